// RSS 2.0 through `feed`, with our own extension elements where it falls short (libraries.md):
// enclosures with the upstream's type, `<source url>` provenance, RFC 5005 paging links, and
// dc:creator for author names (RSS <author> must be an e-mail address). xml-js, under `feed`,
// does not escape attribute values, so every attribute we hand it is escaped here.
import { Feed } from 'feed';
import { stripForbiddenChars } from '../normalize/text.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { xmlEscape } from './xml.ts';

const clean = (text: string) => stripForbiddenChars(text);

// xml-js accepts arrays and nested objects where `feed`'s types say Record<string, unknown>.
type Extension = { name: string; objects: Record<string, unknown> };
const ext = (name: string, objects: unknown): Extension => ({ name, objects: objects as Record<string, unknown> });

function itemExtensions(item: FeedItem): Extension[] {
  const extensions: Extension[] = [];
  const first = item.sources[0];
  if (first) {
    extensions.push(ext('source', { _attributes: { url: xmlEscape(first.feedUrl) }, _text: clean(first.title) }));
  }
  if (item.sources.length > 1) {
    // Every upstream that carried the story, not only the first (RSS allows one <source>).
    extensions.push(
      ext('atom:link', item.sources.map((s) => ({ _attributes: { rel: 'via', href: xmlEscape(s.feedUrl), title: xmlEscape(s.title) } }))),
    );
  }
  if (item.author) extensions.push(ext('dc:creator', { _text: clean(item.author) }));
  const enclosure = item.enclosures[0];
  if (enclosure) {
    extensions.push(
      ext('enclosure', {
        _attributes: {
          url: xmlEscape(enclosure.url),
          length: String(enclosure.length ?? 0),
          type: xmlEscape(enclosure.type ?? 'application/octet-stream'),
        },
      }),
    );
  }
  return extensions;
}

export function renderRss(doc: FeedDocument): string {
  const feed = new Feed({
    id: doc.id,
    title: clean(doc.title),
    description: clean(doc.description || doc.title),
    link: doc.homeUrl,
    language: doc.language ?? undefined,
    updated: doc.updated,
    feed: doc.selfUrls.rss,
    generator: 'feedrelay',
    copyright: '',
  });
  const links = [
    { rel: 'self', type: 'application/rss+xml', href: doc.selfUrls.rss },
    { rel: 'first', type: 'application/rss+xml', href: doc.firstUrls.rss },
    ...(doc.nextUrls ? [{ rel: 'next', type: 'application/rss+xml', href: doc.nextUrls.rss }] : []),
  ];
  feed.addExtension(ext('atom:link', links.map((l) => ({ _attributes: { rel: l.rel, type: l.type, href: xmlEscape(l.href) } }))));
  for (const item of doc.items) {
    feed.addItem({
      title: clean(item.title),
      link: item.url,
      guid: item.id,
      date: item.updated,
      published: item.published,
      description: item.summary ? clean(item.summary) : undefined,
      // Always present so `feed` declares the content and dc namespaces the extensions use.
      content: clean(item.contentHtml ?? item.summary ?? `<p><a href="${xmlEscape(item.url)}">${xmlEscape(item.title)}</a></p>`),
      category: item.tags.map((t) => ({ name: clean(t) })),
      extensions: itemExtensions(item),
    });
  }
  return feed.rss2();
}
