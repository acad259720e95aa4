// JSON Feed 1.1, written by hand: `feed`'s json1() writes version 1 (no authors, no next_url,
// no language, enclosures dropped). JSON.stringify escapes lone surrogates as \udXXX, so every
// string comes from prepareDocument(), which turns them into U+FFFD (and drops XML-forbidden
// controls, for parity with the XML outputs). Checked against the JSON Feed 1.1 schema in
// test/render-*.test.ts.
import { plainText } from '../normalize/text.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { prepareDocument } from './xml.ts';

function item(i: FeedItem) {
  // JSON Feed's summary is "a plain text sentence or two"; ours is HTML.
  const summary = i.summary ? plainText(i.summary) : null;
  return {
    id: i.id,
    // The original story, as in RSS and Atom; our own page is one click away from it.
    url: i.url,
    title: i.title,
    // One of content_html/content_text is required: an item without content has empty text.
    ...(i.contentHtml ? { content_html: i.contentHtml } : { content_text: '' }),
    ...(summary ? { summary } : {}),
    ...(i.imageUrl ? { image: i.imageUrl } : {}),
    date_published: i.published.toISOString(),
    date_modified: i.updated.toISOString(),
    ...(i.author ? { authors: [{ name: i.author }] } : {}),
    ...(i.tags.length > 0 ? { tags: i.tags } : {}),
    ...(i.enclosures.length > 0
      ? {
          attachments: i.enclosures.map((e) => ({
            url: e.url,
            mime_type: e.type ?? 'application/octet-stream',
            ...(e.length !== null ? { size_in_bytes: e.length } : {}),
          })),
        }
      : {}),
    // Every upstream that carried the story, the first one first.
    _feedrelay: {
      sources: i.sources.map((s) => ({ title: s.title, feed_url: s.feedUrl, home_page_url: s.siteUrl })),
    },
  };
}

export function renderJsonFeed(input: FeedDocument): string {
  const doc = prepareDocument(input);
  return JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: doc.title,
      home_page_url: doc.homeUrl,
      feed_url: doc.selfUrls.json,
      ...(doc.description ? { description: doc.description } : {}),
      ...(doc.nextUrls ? { next_url: doc.nextUrls.json } : {}),
      ...(doc.language ? { language: doc.language } : {}),
      items: doc.items.map(item),
    },
    null,
    2,
  );
}
