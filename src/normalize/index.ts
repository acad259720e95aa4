// Raw feed → normalized entries: plain-text titles, absolute URLs, UTC dates, sanitized content and
// the identity hashes dedup relies on (identity.ts explains them).
//
// Relative URLs in an entry resolve against, in order: the entry's xml:base, the feed's xml:base
// (each resolved against the document's URL, as XML Base says), the feed's link (its home page:
// many feeds are served from a CDN or FeedBurner while their relative links mean the site), and
// the URL the document was fetched from.
import { sha256 } from '../hash.ts';
import type { RawEntry, RawFeed } from '../parser/index.ts';
import type { EnclosureRecord } from '../store/schema.ts';
import { dateContextFor, parseDate, type DateContext } from './dates.ts';
import { feedCanonicalUrls, fingerprintOf, fingerprintText, leadText, titleKeyOf, uniqueIdentities, usableGuid } from './identity.ts';
import { sanitizeContentAndText, textOfSanitized } from './sanitize.ts';
import { cutCodeUnits, plainText, stripForbiddenChars, truncateText } from './text.ts';
import { absoluteUrl, canonicalUrl } from './urls.ts';

export interface NormalizedEntry {
  /** Identity inside its source, stable across polls (identity.ts). */
  entryHash: string;
  guid: string | null;
  link: string | null;
  canonicalUrl: string | null;
  /** Null when the link names no single story (shared by several entries, or the home page). */
  urlHash: string | null;
  /** Cross-source near-duplicate key; null when title or text is too short to be distinctive. */
  fingerprint: string | null;
  /** The folded headline's hash (null when too short) and folded leading text: a looser story key. */
  titleKey: string | null;
  leadText: string;
  /** Changes exactly when something we republish changes (an edit upstream). */
  contentHash: string;
  title: string;
  contentHtml: string | null;
  summary: string | null;
  author: string | null;
  tags: string[];
  enclosures: EnclosureRecord[];
  imageUrl: string | null;
  publishedAt: Date | null;
  updatedAt: Date | null;
}

export interface NormalizedFeed {
  title: string | null;
  siteUrl: string | null;
  /** A BCP 47 tag (`zh-CN`), or null when the upstream gave none or garbage. */
  language: string | null;
  entries: NormalizedEntry[];
}

// Output bounds: titles and names are for display; nothing legitimate is longer.
const MAX_TITLE = 500;
const MAX_AUTHOR = 200;
const MAX_TAG = 100;
const MAX_TAGS = 50;
const TITLE_FROM_TEXT = 80;
const MAX_GUID = 2048;
const MAX_ENCLOSURES = 20;

interface Draft {
  entry: Omit<NormalizedEntry, 'entryHash' | 'contentHash'>;
  guid: string | null;
  text: string | null;
}

export function normalizeFeed(raw: RawFeed, responseUrl: string): NormalizedFeed {
  const xmlBase = absoluteUrl(raw.base, responseUrl);
  const siteUrl = absoluteUrl(raw.link, xmlBase, responseUrl);
  const language = languageTag(raw.language);
  const sample = [raw.title, ...raw.entries.slice(0, 5).map((e) => e.title)].join(' ').slice(0, 4096);
  const dates = dateContextFor(language, sample);
  const feedCanonicals = feedCanonicalUrls([responseUrl, siteUrl, xmlBase]);
  const drafts = raw.entries.map((rawEntry) => draftOf(rawEntry, { xmlBase, siteUrl, responseUrl, dates, feedCanonicals }));
  withoutSharedLinks(drafts, siteUrl);
  const identities = uniqueIdentities(
    drafts.map((d) => ({ guid: d.guid, canonicalLink: d.entry.canonicalUrl, title: d.entry.title, text: d.text })),
  );
  const entries: NormalizedEntry[] = [];
  drafts.forEach((d, i) => {
    const identity = identities[i];
    if (identity === null || identity === undefined) return; // a repeat inside one document
    entries.push({ ...d.entry, entryHash: sha256(identity), contentHash: contentHashOf(d.entry) });
  });
  return { title: clip(plainText(raw.title), MAX_TITLE), siteUrl, language, entries };
}

interface FeedContext {
  xmlBase: string | null;
  siteUrl: string | null;
  responseUrl: string;
  dates: DateContext;
  /** canonicalUrl of the feed's own URLs: a guid that is one of them identifies nothing. */
  feedCanonicals: ReadonlySet<string>;
}

function draftOf(rawEntry: RawEntry, feed: FeedContext): Draft {
  // The parser has already combined the entry's xml:base with the feed's; what is left relative is
  // relative to the document.
  const entryBase = absoluteUrl(rawEntry.base, feed.responseUrl);
  const base = entryBase ?? feed.xmlBase ?? feed.siteUrl ?? feed.responseUrl;
  const guidText = rawEntry.guid === null ? null : cutCodeUnits(stripForbiddenChars(rawEntry.guid).trim(), MAX_GUID) || null;
  const link = absoluteUrl(rawEntry.link, base) ?? (guidText && /^https?:\/\//i.test(guidText) ? absoluteUrl(guidText) : null);
  const content = sanitizeContentAndText(rawEntry.contentHtml, base);
  const summary = sanitizeContentAndText(rawEntry.summary, base);
  const contentHtml = content?.html ?? null;
  const summaryHtml = summary?.html ?? null;
  const text = textOfSanitized(content ?? summary);
  const title = clip(plainText(rawEntry.title), MAX_TITLE) ?? (text ? truncateText(text, TITLE_FROM_TEXT) : null) ?? link ?? 'Untitled';
  const canonical = canonicalUrl(link);
  const foldedTitle = fingerprintText(title);
  const lead = leadText(title, text, foldedTitle);
  return {
    guid: usableGuid(guidText, feed.feedCanonicals, link, canonical),
    text,
    entry: {
      guid: guidText,
      link,
      canonicalUrl: canonical,
      urlHash: canonical ? sha256(canonical) : null,
      fingerprint: fingerprintOf(title, text, lead, foldedTitle),
      titleKey: titleKeyOf(title, foldedTitle),
      leadText: lead,
      title,
      contentHtml: contentHtml ?? summaryHtml,
      // A summary is worth republishing only next to a body it differs from.
      summary: contentHtml && summaryHtml && summaryHtml !== contentHtml ? summaryHtml : null,
      author: clip(authorName(rawEntry.author), MAX_AUTHOR),
      tags: tagsOf(rawEntry.categories),
      enclosures: enclosuresOf(rawEntry, base),
      imageUrl: absoluteUrl(rawEntry.image, base),
      publishedAt: parseDate(rawEntry.published, feed.dates) ?? parseDate(rawEntry.updated, feed.dates),
      updatedAt: parseDate(rawEntry.updated, feed.dates),
    },
  };
}

// A link shared by several entries of one feed (often the site's home page) names no single story,
// so it cannot be a cross-source identity.
function withoutSharedLinks(drafts: Draft[], siteUrl: string | null): void {
  const counts = new Map<string, number>();
  for (const d of drafts) if (d.entry.urlHash) counts.set(d.entry.urlHash, (counts.get(d.entry.urlHash) ?? 0) + 1);
  const home = canonicalUrl(siteUrl);
  for (const d of drafts) {
    const hash = d.entry.urlHash;
    if (hash && ((counts.get(hash) ?? 0) > 1 || d.entry.canonicalUrl === home)) d.entry.urlHash = null;
  }
}

function contentHashOf(e: Draft['entry']): string {
  return sha256(
    JSON.stringify([
      e.title, e.link, e.contentHtml, e.summary, e.author, e.tags, e.enclosures, e.imageUrl,
      e.publishedAt?.getTime() ?? null, e.updatedAt?.getTime() ?? null,
    ]),
  );
}

// Authors and categories get the title rule (text.ts) although the parser calls them text:
// WordPress and others entity-escape them inside CDATA (`News &amp; Events`), and a reader shows
// them decoded. RSS's `email (Name)` and `Name <email>` become the name: republishing addresses
// feeds spam harvesters and readers show the name anyway.
function authorName(value: string | null): string | null {
  const text = plainText(value);
  if (text === null) return null;
  const paren = /^[^\s@()]+@[^\s@()]+\s*\((.+)\)$/.exec(text);
  if (paren) return paren[1]!.trim() || null;
  const angle = /^(.+?)\s*<[^\s@<>]+@[^\s@<>]+>$/.exec(text);
  if (angle) return angle[1]!.replace(/^"(.*)"$/, '$1').trim() || null;
  return text;
}

function tagsOf(categories: string[]): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const category of categories) {
    const tag = clip(plainText(category), MAX_TAG);
    if (tag === null) continue;
    const key = tag.normalize('NFKC').toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
    if (tags.length === MAX_TAGS) break;
  }
  return tags;
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function enclosuresOf(rawEntry: RawEntry, base: string): EnclosureRecord[] {
  const seen = new Set<string>();
  const out: EnclosureRecord[] = [];
  for (const e of rawEntry.enclosures) {
    const url = absoluteUrl(e.url, base);
    if (url === null || seen.has(url)) continue;
    seen.add(url);
    const type = e.type?.split(';')[0]?.trim().toLowerCase() ?? '';
    const length = e.length !== null && Number.isSafeInteger(e.length) && e.length > 0 ? e.length : null;
    out.push({ url, type: MIME_TYPE.test(type) ? type : null, length });
    if (out.length === MAX_ENCLOSURES) break;
  }
  return out;
}

// `zh_CN` → `zh-CN`; anything that is not a plausible BCP 47 tag → null.
function languageTag(value: string | null): string | null {
  const tag = value?.trim().replace(/_/g, '-') ?? '';
  return /^[a-z]{2,8}(?:-[a-z0-9]{1,8})*$/i.test(tag) ? tag : null;
}

function clip(text: string | null, max: number): string | null {
  return text === null ? null : truncateText(text, max);
}
