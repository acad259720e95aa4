// Output hygiene shared by the feed renderers: text that every XML 1.0 parser accepts, and links,
// media types, language tags and dates that the RSS/Atom/JSON Feed validators accept. The model
// should already hold clean values; these guards make one odd value cost one element, not the
// whole feed (reliability.md: "One bad item never breaks a whole category feed").
import { stripForbiddenChars } from '../normalize/text.ts';
import type { FeedDocument, FeedFormatName, FeedItem } from './model.ts';

// C1 controls are legal in XML 1.0 but never text a person wrote (mis-decoded windows-1252,
// mostly); the W3C Feed Validator flags them as BadCharacters.
const C1_CONTROLS = /[\u0080-\u009F]/g;

/** Text with XML 1.0-forbidden characters and C1 controls removed, lone surrogates as U+FFFD. */
export function cleanText(text: string): string {
  return stripForbiddenChars(text).replace(C1_CONTROLS, '');
}

/** Text safe for XML 1.0 element content and attribute values. */
export function xmlEscape(text: string): string {
  return cleanText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

// Characters RFC 2396/3986 allow unescaped in a URI (the W3C validator's rfc2396_full set).
const NOT_URI_CHAR = /[^0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#]/g;

/**
 * An absolute http(s) URL as plain ASCII (IDN hosts in punycode, everything else percent-encoded),
 * or null when the value is not one. Links in every output pass through here.
 */
export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname) return null;
  const href = url.href;
  // href is origin (with any userinfo) + path + query + fragment; WHATWG leaves a few characters
  // (| [ ] ^ { } and a `%` not starting an escape) there that RFC 3986 and the validators refuse.
  const tailLength = url.pathname.length + url.search.length + url.hash.length;
  const head = href.slice(0, href.length - tailLength);
  const tail = href
    .slice(href.length - tailLength)
    .replace(NOT_URI_CHAR, (c) => encodeURIComponent(c))
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  return head + tail;
}

// type/subtype with optional parameters (RFC 2045 tokens), as the W3C validator checks it.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\]*"))*$`);

/** The upstream's media type if it is a well-formed one (`audio/mpeg` stays `audio/mpeg`), else null. */
export function safeMediaType(type: string | null | undefined): string | null {
  const t = type?.trim();
  return t && t.length <= 255 && MEDIA_TYPE.test(t) ? t : null;
}

// BCP 47 shape (RFC 4646), also what RFC 4287's atomLanguageTag and RSS's language accept.
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

export function safeLanguage(lang: string | null | undefined): string | null {
  const l = lang?.trim().replace(/_/g, '-');
  return l && LANGUAGE_TAG.test(l) ? l : null;
}

/** A non-negative integer byte count, or null. */
export function safeLength(length: number | null | undefined): number | null {
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 ? length : null;
}

const MIN_DATE = new Date('0001-01-01T00:00:00.000Z').getTime();
const MAX_DATE = new Date('9999-12-31T23:59:59.999Z').getTime();
const isValidDate = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * A date every format can write: an invalid one becomes `fallback` (or the epoch), and the year is
 * kept to four digits (RFC 822, RFC 3339 and xsd:dateTime have no others; toISOString would write
 * `+010000-…`).
 */
export function safeDate(date: Date | null | undefined, fallback?: Date | null): Date {
  const t = isValidDate(date) ? date.getTime() : isValidDate(fallback) ? fallback.getTime() : 0;
  return new Date(Math.min(Math.max(t, MIN_DATE), MAX_DATE));
}

function cleanOrNull(text: string | null | undefined): string | null {
  const t = text == null ? '' : cleanText(text);
  return t.trim() === '' ? null : t;
}

/**
 * The document with every value made writable: text cleaned, links absolute http(s) ASCII URLs
 * (an item whose link is not one links to its permalink; a bad enclosure or source is dropped),
 * media types and the language well-formed or absent, dates valid with four-digit years, tags
 * non-empty and unique. Each renderer starts from this, so the three formats agree.
 */
export function prepareDocument(doc: FeedDocument): FeedDocument {
  const items = doc.items.map((item): FeedItem => {
    const permalink = safeUrl(item.permalink) ?? item.permalink;
    const url = safeUrl(item.url) ?? permalink;
    const updated = safeDate(item.updated, item.published);
    return {
      id: cleanText(item.id),
      permalink,
      title: cleanOrNull(item.title) ?? url,
      url,
      contentHtml: cleanOrNull(item.contentHtml),
      summary: cleanOrNull(item.summary),
      author: cleanOrNull(item.author)?.trim() ?? null,
      tags: [...new Set(item.tags.map((t) => cleanText(t).trim()).filter((t) => t !== ''))],
      enclosures: item.enclosures.flatMap((e) => {
        const href = safeUrl(e.url);
        return href ? [{ url: href, type: safeMediaType(e.type), length: safeLength(e.length) }] : [];
      }),
      imageUrl: safeUrl(item.imageUrl),
      published: safeDate(item.published, updated),
      updated,
      sources: item.sources.flatMap((s) => {
        const feedUrl = safeUrl(s.feedUrl);
        return feedUrl ? [{ title: cleanText(s.title).trim(), feedUrl, siteUrl: safeUrl(s.siteUrl) }] : [];
      }),
    };
  });
  const newest = items.reduce<Date | null>((max, i) => (!max || i.updated > max ? i.updated : max), null);
  const urls = (set: Record<FeedFormatName, string>) =>
    Object.fromEntries(Object.entries(set).map(([f, u]) => [f, safeUrl(u) ?? u])) as Record<FeedFormatName, string>;
  return {
    id: cleanText(doc.id),
    title: cleanText(doc.title),
    description: cleanText(doc.description),
    language: safeLanguage(doc.language),
    homeUrl: safeUrl(doc.homeUrl) ?? doc.homeUrl,
    selfUrls: urls(doc.selfUrls),
    firstUrls: urls(doc.firstUrls),
    nextUrls: doc.nextUrls ? urls(doc.nextUrls) : null,
    updated: safeDate(doc.updated, newest),
    items,
  };
}
