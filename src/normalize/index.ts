// Raw feed → normalized entries: plain-text titles, absolute URLs, UTC dates, sanitized content and
// the identity hashes dedup relies on.
import { sha256 } from '../hash.ts';
import type { RawEntry, RawFeed } from '../parser/index.ts';
import type { EnclosureRecord } from '../store/schema.ts';
import { parseDate } from './dates.ts';
import { sanitizeContent } from './sanitize.ts';
import { plainText, stripForbiddenChars } from './text.ts';
import { absoluteUrl, canonicalUrl } from './urls.ts';

export interface NormalizedEntry {
  /** Identity inside its source: guid → link → title+content, made unique within the feed. */
  entryHash: string;
  guid: string | null;
  link: string | null;
  canonicalUrl: string | null;
  urlHash: string | null;
  /** Cross-source near-duplicate key; null when title or text is too short to be distinctive. */
  fingerprint: string | null;
  /** Changes when anything we republish changes: an edit upstream. */
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
  language: string | null;
  entries: NormalizedEntry[];
}

const MIN_FINGERPRINT_TITLE = 8;
const MIN_FINGERPRINT_TEXT = 40;
const FINGERPRINT_TEXT_CHARS = 200;

// Case, width, punctuation and whitespace differences between republishers do not make a new story.
function fingerprintText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}\s]+/gu, '');
}

function fingerprintOf(title: string, contentText: string | null): string | null {
  const t = fingerprintText(title);
  const c = fingerprintText(contentText ?? '').slice(0, FINGERPRINT_TEXT_CHARS);
  if (t.length < MIN_FINGERPRINT_TITLE || c.length < MIN_FINGERPRINT_TEXT) return null;
  return sha256(`${t}\n${c}`);
}

function baseIdentity(entry: RawEntry, link: string | null, title: string, content: string | null): string {
  if (entry.guid) return `guid:${entry.guid.trim()}`;
  if (link) return `link:${link}`;
  return `text:${sha256(`${title}\n${content ?? ''}`)}`;
}

interface Draft {
  raw: RawEntry;
  entry: Omit<NormalizedEntry, 'entryHash' | 'contentHash'>;
  identity: string;
}

export function normalizeFeed(raw: RawFeed, responseUrl: string): NormalizedFeed {
  const feedBase = absoluteUrl(raw.base, responseUrl) ?? responseUrl;
  const siteUrl = absoluteUrl(raw.link, feedBase);
  const drafts: Draft[] = raw.entries.map((rawEntry) => {
    const base = absoluteUrl(rawEntry.base, feedBase) ?? siteUrl ?? feedBase;
    const link = absoluteUrl(rawEntry.link, base) ?? (rawEntry.guid ? absoluteUrlIfLink(rawEntry.guid) : null);
    const contentHtml = sanitizeContent(stripForbiddenOrNull(rawEntry.contentHtml), base);
    const summaryHtml = sanitizeContent(stripForbiddenOrNull(rawEntry.summary), base);
    const contentText = plainText(contentHtml ?? summaryHtml);
    const title = plainText(rawEntry.title) ?? truncate(contentText, 80) ?? link ?? 'Untitled';
    const canonical = canonicalUrl(link);
    const enclosures = rawEntry.enclosures
      .map((e) => ({ url: absoluteUrl(e.url, base), type: e.type?.trim() || null, length: e.length }))
      .filter((e): e is EnclosureRecord => e.url !== null);
    const entry = {
      guid: rawEntry.guid ? stripForbiddenChars(rawEntry.guid.trim()) : null,
      link,
      canonicalUrl: canonical,
      urlHash: canonical ? sha256(canonical) : null,
      fingerprint: fingerprintOf(title, contentText),
      title,
      contentHtml: contentHtml ?? summaryHtml,
      summary: contentHtml && summaryHtml ? summaryHtml : null,
      author: plainText(rawEntry.author),
      tags: [...new Set(rawEntry.categories.map(plainText).filter((t): t is string => t !== null))],
      enclosures,
      imageUrl: absoluteUrl(rawEntry.image, base),
      publishedAt: parseDate(rawEntry.published) ?? parseDate(rawEntry.updated),
      updatedAt: parseDate(rawEntry.updated),
    };
    return { raw: rawEntry, entry, identity: baseIdentity(rawEntry, link, title, entry.contentHtml) };
  });
  return {
    title: plainText(raw.title),
    siteUrl,
    language: raw.language?.trim() || null,
    entries: withUniqueIdentities(withoutSharedLinks(drafts, siteUrl)),
  };
}

// A link shared by several entries of one feed (often the site's home page) names no single story,
// so it cannot be a cross-source identity.
function withoutSharedLinks(drafts: Draft[], siteUrl: string | null): Draft[] {
  const counts = new Map<string, number>();
  for (const d of drafts) if (d.entry.urlHash) counts.set(d.entry.urlHash, (counts.get(d.entry.urlHash) ?? 0) + 1);
  const home = siteUrl ? canonicalUrl(siteUrl) : null;
  for (const d of drafts) {
    const hash = d.entry.urlHash;
    if (hash && ((counts.get(hash) ?? 0) > 1 || d.entry.canonicalUrl === home)) d.entry.urlHash = null;
  }
  return drafts;
}

// Some upstreams reuse one guid (or one link) for every item. When an identity repeats inside one
// feed, each colliding entry is told apart by its link, then by its title and content.
function withUniqueIdentities(drafts: Draft[]): NormalizedEntry[] {
  const counts = new Map<string, number>();
  for (const d of drafts) counts.set(d.identity, (counts.get(d.identity) ?? 0) + 1);
  const seen = new Set<string>();
  const out: NormalizedEntry[] = [];
  for (const d of drafts) {
    let identity = d.identity;
    if ((counts.get(identity) ?? 0) > 1) {
      identity = `${identity}\nlink:${d.entry.link ?? ''}\ntext:${sha256(`${d.entry.title}\n${d.entry.contentHtml ?? ''}`)}`;
    }
    const entryHash = sha256(identity);
    if (seen.has(entryHash)) continue; // a byte-identical repeat inside one document
    seen.add(entryHash);
    const e = d.entry;
    const contentHash = sha256(
      JSON.stringify([e.title, e.link, e.contentHtml, e.summary, e.author, e.tags, e.enclosures, e.imageUrl, e.publishedAt?.getTime() ?? null, e.updatedAt?.getTime() ?? null]),
    );
    out.push({ ...e, entryHash, contentHash });
  }
  return out;
}

function absoluteUrlIfLink(guid: string): string | null {
  return /^https?:\/\//i.test(guid.trim()) ? absoluteUrl(guid) : null;
}

function stripForbiddenOrNull(value: string | null): string | null {
  return value === null ? null : stripForbiddenChars(value);
}

function truncate(text: string | null, max: number): string | null {
  if (!text) return null;
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}
