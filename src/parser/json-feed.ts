// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/), parsed directly: rss-parser has
// no JSON support.
import { ParseError, type RawEntry, type RawFeed } from './raw-feed.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function authorOf(item: Obj, feed: Obj): string | null {
  const authors = Array.isArray(item.authors) ? item.authors : isObj(item.author) ? [item.author] : null;
  const names = (authors ?? []).filter(isObj).map((a) => str(a.name)).filter((n): n is string => n !== null);
  if (names.length > 0) return names.join(', ');
  return item === feed ? null : authorOf(feed, feed);
}

function entryOf(item: Obj, feed: Obj): RawEntry {
  const id = item.id;
  return {
    guid: typeof id === 'number' ? String(id) : str(id),
    link: str(item.url) ?? str(item.external_url),
    title: str(item.title),
    contentHtml: str(item.content_html) ?? (str(item.content_text) ? escapeText(item.content_text as string) : null),
    summary: str(item.summary),
    author: authorOf(item, feed),
    categories: Array.isArray(item.tags) ? item.tags.map(str).filter((t): t is string => t !== null) : [],
    published: str(item.date_published),
    updated: str(item.date_modified),
    enclosures: (Array.isArray(item.attachments) ? item.attachments : [])
      .filter(isObj)
      .filter((a) => str(a.url) !== null)
      .map((a) => ({
        url: a.url as string,
        type: str(a.mime_type),
        length: typeof a.size_in_bytes === 'number' ? a.size_in_bytes : null,
      })),
    image: str(item.image) ?? str(item.banner_image),
    base: null,
  };
}

function escapeText(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('');
}

export function parseJsonFeed(text: string): RawFeed {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ParseError(`parser: invalid JSON: ${(error as Error).message}`);
  }
  if (!isObj(data) || typeof data.version !== 'string' || !data.version.startsWith('https://jsonfeed.org/version/')) {
    throw new ParseError('parser: JSON document is not a JSON Feed (no jsonfeed.org version)');
  }
  if (!Array.isArray(data.items)) throw new ParseError('parser: JSON Feed has no items array');
  return {
    format: 'json',
    title: str(data.title),
    link: str(data.home_page_url),
    description: str(data.description),
    language: str(data.language),
    base: str(data.feed_url),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    entries: data.items.filter(isObj).map((item) => entryOf(item, data as Obj)),
  };
}
