// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/), parsed directly: rss-parser has
// no JSON support. 1.1 renamed `author` to `authors` (a list) and added `language`; both spellings
// are read. Strings can carry any character through `\u` escapes, so forbidden ones are removed here.
import { ParseError, type RawEnclosure, type RawEntry, type RawFeed } from './raw-feed.ts';
import { nonBlank, stripForbiddenChars, textToHtml } from './text.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? nonBlank(stripForbiddenChars(v)) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function authorNames(owner: Obj): string | null {
  const authors = Array.isArray(owner.authors) ? owner.authors : isObj(owner.author) ? [owner.author] : [];
  const names = authors.filter(isObj).map((a) => str(a.name)).filter((n): n is string => n !== null);
  return names.length > 0 ? names.join(', ') : null;
}

function attachment(a: Obj): RawEnclosure | null {
  const url = str(a.url);
  if (url === null) return null;
  const size = a.size_in_bytes;
  return {
    url,
    type: str(a.mime_type),
    length: typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : null,
  };
}

function entryOf(item: Obj, feedAuthor: string | null): RawEntry {
  const enclosures = list(item.attachments).filter(isObj).map(attachment).filter((e): e is RawEnclosure => e !== null);
  const text = str(item.content_text);
  return {
    // The spec says string; numbers turn up and are as good an identity.
    guid: typeof item.id === 'number' && Number.isFinite(item.id) ? String(item.id) : str(item.id),
    link: str(item.url) ?? str(item.external_url),
    title: str(item.title),
    contentHtml: str(item.content_html) ?? (text === null ? null : textToHtml(text)),
    summary: str(item.summary),
    author: authorNames(item) ?? feedAuthor,
    categories: [...new Set(list(item.tags).map(str).filter((t): t is string => t !== null))],
    published: str(item.date_published),
    updated: str(item.date_modified),
    enclosures,
    image: str(item.image) ?? str(item.banner_image) ?? enclosures.find((e) => e.type?.startsWith('image/'))?.url ?? null,
    base: null,
  };
}

// `https://jsonfeed.org/version/1.1`; some generators write just "1.0" or "1.1".
function isJsonFeedVersion(version: unknown): boolean {
  return typeof version === 'string' && (/jsonfeed\.org\/version\/\d/i.test(version) || /^\s*1(\.\d+)?\s*$/.test(version));
}

export function parseJsonFeed(text: string): RawFeed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`parser: not a feed: the body looks like JSON but is not valid JSON (${(error as Error).message})`);
  }
  if (!isObj(data) || !isJsonFeedVersion(data.version)) {
    throw new ParseError('parser: not a feed: the JSON document is not a JSON Feed (no jsonfeed.org "version")');
  }
  if (!Array.isArray(data.items)) throw new ParseError('parser: invalid JSON Feed: it has no "items" list');
  const feedAuthor = authorNames(data);
  return {
    format: 'json',
    title: str(data.title),
    link: str(data.home_page_url),
    description: str(data.description),
    language: str(data.language),
    // Relative URLs in a JSON Feed are resolved against the document's own URL.
    base: null,
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    entries: data.items.filter(isObj).map((item) => entryOf(item, feedAuthor)),
  };
}
