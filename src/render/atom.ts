// Atom 1.0 (RFC 4287), written by hand: `feed`'s Atom output emits titles as HTML, categories
// without `term`, guessed enclosure types, and throws on non-URL ids (see libraries.md).
// Checked against the RFC 4287 RELAX NG schema and read back by feedparser in test/render-*.test.ts.
import type { FeedDocument, FeedItem } from './model.ts';
import { prepareDocument, xmlEscape as x } from './xml.ts';

const ATOM = 'application/atom+xml';

const attrs = (pairs: Record<string, string | number | null | undefined>) =>
  Object.entries(pairs)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${x(String(v))}"`)
    .join('');

const link = (pairs: Record<string, string | number | null | undefined>) => `<link${attrs(pairs)}/>`;

function entry(item: FeedItem): string {
  const first = item.sources[0];
  const lines = [
    '  <entry>',
    `    <id>${x(item.id)}</id>`,
    `    <title type="text">${x(item.title)}</title>`,
    `    ${link({ rel: 'alternate', type: 'text/html', href: item.url })}`,
    ...(item.url !== item.permalink ? [`    ${link({ rel: 'related', type: 'text/html', href: item.permalink })}`] : []),
    ...item.sources.map((s) => `    ${link({ rel: 'via', href: s.feedUrl, title: s.title || null })}`),
    ...item.enclosures.map((e) => `    ${link({ rel: 'enclosure', href: e.url, type: e.type, length: e.length })}`),
    `    <published>${item.published.toISOString()}</published>`,
    `    <updated>${item.updated.toISOString()}</updated>`,
    // RFC 4287 §4.1.2 requires an author on every entry (or on the feed): the upstream's author,
    // else the upstream itself.
    `    <author><name>${x(item.author ?? (first?.title || 'feedrelay'))}</name></author>`,
    ...item.tags.map((t) => `    <category term="${x(t)}"/>`),
    ...(item.summary ? [`    <summary type="html">${x(item.summary)}</summary>`] : []),
    ...(item.contentHtml ? [`    <content type="html">${x(item.contentHtml)}</content>`] : []),
  ];
  if (first) {
    // The upstream feed the entry was first seen in (RFC 4287 §4.2.11). The W3C validator wants
    // id, title and updated there; we do not keep the upstream feed's own date, so `updated` is
    // the entry's as we copied it.
    lines.push(
      '    <source>',
      `      <id>${x(first.feedUrl)}</id>`,
      `      <title type="text">${x(first.title || first.feedUrl)}</title>`,
      `      <updated>${item.updated.toISOString()}</updated>`,
      `      ${link({ rel: 'self', href: first.feedUrl })}`,
      ...(first.siteUrl ? [`      ${link({ rel: 'alternate', type: 'text/html', href: first.siteUrl })}`] : []),
      '    </source>',
    );
  }
  lines.push('  </entry>');
  return lines.join('\n');
}

export function renderAtom(input: FeedDocument): string {
  const doc = prepareDocument(input);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${attrs({ 'xml:lang': doc.language })}>`,
    `  <id>${x(doc.id)}</id>`,
    `  <title type="text">${x(doc.title)}</title>`,
    ...(doc.description ? [`  <subtitle type="text">${x(doc.description)}</subtitle>`] : []),
    `  <updated>${doc.updated.toISOString()}</updated>`,
    `  ${link({ rel: 'alternate', type: 'text/html', href: doc.homeUrl })}`,
    `  ${link({ rel: 'self', type: ATOM, href: doc.selfUrls.atom })}`,
    // RFC 5005 paging.
    `  ${link({ rel: 'first', type: ATOM, href: doc.firstUrls.atom })}`,
    ...(doc.nextUrls ? [`  ${link({ rel: 'next', type: ATOM, href: doc.nextUrls.atom })}`] : []),
    '  <generator>feedrelay</generator>',
    ...doc.items.map(entry),
    '</feed>',
    '',
  ].join('\n');
}
