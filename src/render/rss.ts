// RSS 2.0 through `feed`, with our own extension elements where it falls short (libraries.md):
// enclosures with the upstream's type, `<source url>` provenance, RFC 5005 paging links, and
// dc:creator for author names (RSS <author> must be an e-mail address).
//
// Working around `feed` 6.0.0 and the xml-js 1.6.11 under it (each checked by test/render-*.test.ts):
// - xml-js writes attribute values unescaped: every attribute we hand it is escaped here.
// - xml-js turns `&amp;` back into `&` before escaping element text, so a literal "&amp;" in a
//   title would come out as "&": text fields are passed with `&` pre-escaped (`xmlJsText`).
// - xml-js splits only the first `]]>` of a CDATA section: a second one ends the section early
//   and the document is no longer XML. `feed` puts item titles, descriptions and content in
//   CDATA, so none of them may contain `]]>` (HTML gets `]]&gt;`, the same HTML).
// - `feed` parses links with `new URL` and throws on a bad one: prepareDocument() leaves only
//   absolute http(s) URLs.
// - `feed` declares the dc namespace only when some item has content: otherwise dc:creator
//   declares it itself.
// - `feed` adds its own atom:link rel=self; our channel atom:link extension replaces it (same key),
//   so there is exactly one, followed by rel=first/next.
import { Feed } from 'feed';
import type { FeedDocument, FeedItem } from './model.ts';
import { prepareDocument, xmlEscape } from './xml.ts';

const DC = 'http://purl.org/dc/elements/1.1/';
const RSS_TYPE = 'application/rss+xml';

// xml-js accepts arrays and nested objects where `feed`'s types say Record<string, unknown>.
type Extension = { name: string; objects: Record<string, unknown> };
const ext = (name: string, objects: unknown): Extension => ({ name, objects: objects as Record<string, unknown> });

/** Element text for xml-js (see above): it unescapes `&amp;` and then escapes `& < >`. */
const xmlJsText = (text: string) => text.replace(/&/g, '&amp;');

/** HTML for a CDATA section xml-js writes: `]]>` cannot end it early. */
const cdataHtml = (html: string) => html.replace(/]]>/g, ']]&gt;');

// RSS leaves open whether <title> (and the channel <description>) is text or HTML, and readers
// guess: feedparser (and with it many aggregators) reads one holding a closing tag or an entity as
// HTML, so `<b>bold</b> & "quotes"` would show as bold. Such a title, and one holding `]]>`, is
// written as HTML-escaped text (in CDATA for items, which the W3C validator accepts without a
// warning); every other title is written as it is, which every reader shows right. Categories,
// dc:creator and <source> are always read as text.
const LOOKS_LIKE_HTML = /<[A-Za-z/!?]|&#?\w+;|]]>/;
const titleText = (text: string) =>
  LOOKS_LIKE_HTML.test(text) ? text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : text;

function itemExtensions(item: FeedItem, declareDc: boolean): Extension[] {
  const extensions: Extension[] = [];
  // First, so that readers taking the first enclosure of an item (feedparser's order is the
  // document's) take this one rather than one of the atom:link rel="enclosure" below.
  const enclosure = item.enclosures[0];
  if (enclosure) {
    extensions.push(
      ext('enclosure', {
        _attributes: {
          url: xmlEscape(enclosure.url),
          // RSS requires a length; 0 is the validator's "unknown".
          length: String(enclosure.length ?? 0),
          type: xmlEscape(enclosure.type ?? 'application/octet-stream'),
        },
      }),
    );
  }
  const first = item.sources[0];
  if (first) {
    extensions.push(ext('source', { _attributes: { url: xmlEscape(first.feedUrl) }, _text: xmlJsText(first.title) }));
  }
  // atom:link elements share one key: every upstream that carried the story (RSS allows one
  // <source>), and the enclosures RSS has no room for (it allows one <enclosure>).
  const links = [
    ...(item.sources.length > 1
      ? item.sources.map((s) => ({ rel: 'via', href: s.feedUrl, ...(s.title ? { title: s.title } : {}) }))
      : []),
    ...item.enclosures.slice(1).map((e) => ({
      rel: 'enclosure',
      href: e.url,
      ...(e.type ? { type: e.type } : {}),
      ...(e.length !== null ? { length: String(e.length) } : {}),
    })),
  ];
  if (links.length > 0) {
    extensions.push(
      ext(
        'atom:link',
        links.map((l) => ({ _attributes: Object.fromEntries(Object.entries(l).map(([k, v]) => [k, xmlEscape(v)])) })),
      ),
    );
  }
  if (item.author) {
    extensions.push(ext('dc:creator', { ...(declareDc ? { _attributes: { 'xmlns:dc': DC } } : {}), _text: xmlJsText(item.author) }));
  }
  return extensions;
}

const hasSeparateContent = (item: FeedItem) => item.summary !== null && item.contentHtml !== null;

export function renderRss(input: FeedDocument): string {
  const doc = prepareDocument(input);
  const feed = new Feed({
    id: doc.id,
    title: xmlJsText(titleText(doc.title)),
    description: xmlJsText(titleText(doc.description || doc.title)),
    link: doc.homeUrl,
    language: doc.language ?? undefined,
    // Always given: `feed` would write "now" otherwise, and every render would differ.
    updated: doc.updated,
    // Makes `feed` declare the atom namespace and place atom:link before the items.
    feed: doc.selfUrls.rss,
    generator: 'feedrelay',
    copyright: '',
  });
  const links = [
    { rel: 'self', type: RSS_TYPE, href: doc.selfUrls.rss },
    { rel: 'first', type: RSS_TYPE, href: doc.firstUrls.rss },
    ...(doc.nextUrls ? [{ rel: 'next', type: RSS_TYPE, href: doc.nextUrls.rss }] : []),
  ];
  feed.addExtension(ext('atom:link', links.map((l) => ({ _attributes: { rel: l.rel, type: l.type, href: xmlEscape(l.href) } }))));
  // `feed` declares xmlns:dc on <rss> when an item has content:encoded (see below); else
  // each dc:creator declares it.
  const declareDc = !doc.items.some(hasSeparateContent);
  for (const item of doc.items) {
    // description: the summary when there is one besides the content, else the content itself;
    // content:encoded only in the first case (the W3C validator wants a description before it).
    const description = item.summary ?? item.contentHtml;
    feed.addItem({
      title: titleText(item.title),
      link: item.url,
      guid: xmlJsText(item.id),
      date: item.updated,
      published: item.published,
      description: description ? cdataHtml(description) : undefined,
      content: hasSeparateContent(item) ? cdataHtml(item.contentHtml!) : undefined,
      category: item.tags.map((t) => ({ name: xmlJsText(t) })),
      extensions: itemExtensions(item, declareDc),
    });
  }
  return feed.rss2();
}
