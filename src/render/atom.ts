// Atom 1.0 (RFC 4287), written by hand: `feed`'s Atom output emits titles as HTML, categories
// without `term`, guessed enclosure types, and throws on non-URL ids (see libraries.md).
import type { FeedDocument, FeedItem } from './model.ts';
import { xmlEscape as x } from './xml.ts';

const ATOM = 'application/atom+xml';

function entry(item: FeedItem): string {
  const lines = [
    '  <entry>',
    `    <id>${x(item.id)}</id>`,
    `    <title type="text">${x(item.title)}</title>`,
    `    <link rel="alternate" type="text/html" href="${x(item.url)}"/>`,
    ...(item.url !== item.permalink ? [`    <link rel="related" type="text/html" href="${x(item.permalink)}"/>`] : []),
    ...item.sources.map((s) => `    <link rel="via" href="${x(s.feedUrl)}" title="${x(s.title)}"/>`),
    ...item.enclosures.map(
      (e) =>
        `    <link rel="enclosure" href="${x(e.url)}"${e.type ? ` type="${x(e.type)}"` : ''}${e.length ? ` length="${e.length}"` : ''}/>`,
    ),
    `    <published>${item.published.toISOString()}</published>`,
    `    <updated>${item.updated.toISOString()}</updated>`,
    // RFC 4287 §4.1.2 requires an author on every entry (or on the feed): the upstream's author,
    // else the upstream itself.
    `    <author><name>${x(item.author ?? item.sources[0]?.title ?? 'feedrelay')}</name></author>`,
    ...item.tags.map((t) => `    <category term="${x(t)}"/>`),
    ...(item.summary ? [`    <summary type="html">${x(item.summary)}</summary>`] : []),
    ...(item.contentHtml ? [`    <content type="html">${x(item.contentHtml)}</content>`] : []),
  ];
  const first = item.sources[0];
  if (first) {
    lines.push(
      '    <source>',
      `      <id>${x(first.feedUrl)}</id>`,
      `      <title type="text">${x(first.title)}</title>`,
      `      <link rel="self" href="${x(first.feedUrl)}"/>`,
      ...(first.siteUrl ? [`      <link rel="alternate" type="text/html" href="${x(first.siteUrl)}"/>`] : []),
      '    </source>',
    );
  }
  lines.push('  </entry>');
  return lines.join('\n');
}

export function renderAtom(doc: FeedDocument): string {
  const lang = doc.language ? ` xml:lang="${x(doc.language)}"` : '';
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${lang}>`,
    `  <id>${x(doc.id)}</id>`,
    `  <title type="text">${x(doc.title)}</title>`,
    ...(doc.description ? [`  <subtitle type="text">${x(doc.description)}</subtitle>`] : []),
    `  <updated>${doc.updated.toISOString()}</updated>`,
    `  <link rel="alternate" type="text/html" href="${x(doc.homeUrl)}"/>`,
    `  <link rel="self" type="${ATOM}" href="${x(doc.selfUrls.atom)}"/>`,
    `  <link rel="first" type="${ATOM}" href="${x(doc.firstUrls.atom)}"/>`,
    ...(doc.nextUrls ? [`  <link rel="next" type="${ATOM}" href="${x(doc.nextUrls.atom)}"/>`] : []),
    '  <generator>feedrelay</generator>',
    ...doc.items.map(entry),
    '</feed>',
    '',
  ].join('\n');
}
