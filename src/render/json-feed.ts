// JSON Feed 1.1, written by hand: `feed`'s json1() writes version 1 (no authors, no next_url,
// no language, enclosures dropped). JSON.stringify escapes lone surrogates as \udXXX, so text is
// cleaned of them (and of XML-forbidden controls, for parity with the XML outputs) first.
import { stripForbiddenChars } from '../normalize/text.ts';
import type { FeedDocument, FeedItem } from './model.ts';

const c = (text: string) => stripForbiddenChars(text);

function item(i: FeedItem) {
  return {
    id: i.id,
    // The original story, as in RSS and Atom; our own page is one click away from it.
    url: i.url,
    title: c(i.title),
    ...(i.contentHtml ? { content_html: c(i.contentHtml) } : { content_text: '' }),
    ...(i.summary ? { summary: c(i.summary) } : {}),
    ...(i.imageUrl ? { image: i.imageUrl } : {}),
    date_published: i.published.toISOString(),
    date_modified: i.updated.toISOString(),
    ...(i.author ? { authors: [{ name: c(i.author) }] } : {}),
    ...(i.tags.length > 0 ? { tags: i.tags.map(c) } : {}),
    ...(i.enclosures.length > 0
      ? {
          attachments: i.enclosures.map((e) => ({
            url: e.url,
            mime_type: e.type ?? 'application/octet-stream',
            ...(e.length ? { size_in_bytes: e.length } : {}),
          })),
        }
      : {}),
    _feedrelay: {
      sources: i.sources.map((s) => ({ title: c(s.title), feed_url: s.feedUrl, home_page_url: s.siteUrl })),
    },
  };
}

export function renderJsonFeed(doc: FeedDocument): string {
  return JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: c(doc.title),
      home_page_url: doc.homeUrl,
      feed_url: doc.selfUrls.json,
      ...(doc.description ? { description: c(doc.description) } : {}),
      ...(doc.nextUrls ? { next_url: doc.nextUrls.json } : {}),
      ...(doc.language ? { language: doc.language } : {}),
      items: doc.items.map(item),
    },
    null,
    2,
  );
}
