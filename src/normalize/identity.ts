// The hashes dedup relies on (see store/articles.ts): entryHash (this story in this source),
// fingerprint (the same story elsewhere), contentHash (did what we republish change).
//
// entryHash — identity inside one source, computed from the item alone so that it is the same in
// every poll, whatever else the feed holds that day:
//   guid and link (canonical form) when the item has both; the guid alone without a link; the link
//   alone without a usable guid; title and text when it has neither.
// Why guid *and* link: some upstreams put one guid on every item (the site URL, `0`, a constant).
// Keying by the guid alone and telling colliding items apart only when they collide (Miniflux's
// way) changes an item's identity when the feed later shrinks to one item; worse, in a feed that
// carries one item at a time each new story then overwrites the previous one as an "edit". With the
// link in the key every story keeps its own identity in every poll. The price: an item whose link
// changes under a stable guid (domain move, slug edit; not tracking parameters or http→https, which
// the canonical form absorbs) gets a new identity. The store then finds it by its fingerprint and
// links it to the existing article as a duplicate — readers do not see it twice — but later edits
// to it no longer reach the article.
// Guids that are clearly no identity (empty, a placeholder such as `0` or `null`, the feed's own URL
// or home page) are ignored. Items that still share an identity in one document (same guid and
// link, or neither) are told apart by title, then by text; only those items depend on their
// neighbours, and if they become alone in a later poll their identity changes (the store's
// fingerprint dedup absorbs that too). Byte-identical repeats collapse into one.
//
// fingerprint — title and leading text, folded so that republishers' differences in case, width
// (full-width ＡＢＣ), punctuation, spacing and invisible characters vanish: NFKC, lowercase, keep
// only letters and digits. A republisher that repeats the title (or most of it) as the first line
// of the text fingerprints the same. Null when title or text is too short to tell stories apart, so generic
// titles ("Daily news", "Photo of the day") with little text never merge different stories.
import { sha256 } from '../hash.ts';
import { canonicalUrl } from './urls.ts';

const MIN_FINGERPRINT_TITLE = 8;
const MIN_FINGERPRINT_TEXT = 40;
const FINGERPRINT_TEXT_CHARS = 200;

const PLACEHOLDER_GUIDS = new Set(['', '0', '-1', '-', 'null', 'undefined', 'none', 'nil', 'guid', 'id', 'n/a']);

/**
 * The guid when it can identify an item; null for empty, placeholder or feed-level values.
 * `feedCanonicals`: canonicalUrl of the feed's own URLs (feedCanonicalUrls), computed once per
 * feed; `link`/`canonicalLink`: the entry's link and its canonical form, reused when the guid is
 * the link (most permalink guids), since canonicalizing is a URL parse and rebuild.
 */
export function usableGuid(
  guid: string | null,
  feedCanonicals: ReadonlySet<string>,
  link: string | null = null,
  canonicalLink: string | null = null,
): string | null {
  const trimmed = guid?.trim() ?? '';
  if (PLACEHOLDER_GUIDS.has(trimmed.toLowerCase())) return null;
  const asUrl = link !== null && trimmed === link ? canonicalLink : canonicalUrl(trimmed);
  if (asUrl !== null && feedCanonicals.has(asUrl)) return null;
  return trimmed;
}

/** The canonical forms of a feed's own URLs (its address, home page, xml:base), for usableGuid. */
export function feedCanonicalUrls(urls: (string | null)[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const url of urls) {
    const canonical = canonicalUrl(url);
    if (canonical !== null) set.add(canonical);
  }
  return set;
}

export interface IdentityInput {
  guid: string | null;
  canonicalLink: string | null;
  title: string;
  text: string | null;
}

export function baseIdentity({ guid, canonicalLink, title, text }: IdentityInput): string {
  if (guid !== null && canonicalLink !== null) return `guid:${guid}\nlink:${canonicalLink}`;
  if (guid !== null) return `guid:${guid}`;
  if (canonicalLink !== null) return `link:${canonicalLink}`;
  return `text:${sha256(`${title}\n${text ?? ''}`)}`;
}

/**
 * One identity per item of a document: items that share their base identity get the title, then
 * the text, appended; items identical in all of these are repeats and only the first is kept.
 * Returns, per item, its identity or null for a dropped repeat.
 */
export function uniqueIdentities(items: IdentityInput[]): (string | null)[] {
  const keys = items.map(baseIdentity);
  const byTitle = escalate(keys, (i) => `\ntitle:${fingerprintText(items[i]!.title)}`);
  const byText = escalate(byTitle, (i) => `\ntext:${sha256(items[i]!.text ?? '')}`);
  const seen = new Set<string>();
  return byText.map((key) => {
    if (seen.has(key)) return null;
    seen.add(key);
    return key;
  });
}

function escalate(keys: string[], suffix: (index: number) => string): string[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return keys.map((key, i) => ((counts.get(key) ?? 0) > 1 ? key + suffix(i) : key));
}

/** Case, width, punctuation, whitespace and invisible characters removed: what a story *says*. */
export function fingerprintText(text: string): string {
  return lettersAndDigits(text.normalize('NFKC').toLowerCase());
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/**
 * `text.replace(/[^\p{L}\p{N}]+/gu, '')`, with the two ranges that make up almost all of the
 * folded text (ASCII, the CJK unified ideographs) decided without the regex engine's range tables
 * (its Unicode-class lookups were a tenth of the parse thread's folding). Kept runs are sliced,
 * not copied character by character.
 */
export function lettersAndDigits(text: string): string {
  let out = '';
  let runStart = 0;
  const length = text.length;
  for (let i = 0; i < length; ) {
    const code = text.charCodeAt(i);
    let width = 1;
    let keep: boolean;
    if (code < 0x80) keep = (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
    else if (code >= 0x4e00 && code <= 0x9fff) keep = true;
    else if (isPairAt(text, i)) {
      width = 2;
      keep = LETTER_OR_DIGIT.test(text.slice(i, i + 2));
    } else keep = LETTER_OR_DIGIT.test(text[i]!);
    if (!keep) {
      if (i > runStart) out += text.slice(runStart, i);
      runStart = i + width;
    }
    i += width;
  }
  return runStart === 0 ? text : out + text.slice(runStart);
}

/**
 * The folded leading text (title repeat removed), up to FINGERPRINT_TEXT_CHARS characters.
 * `foldedTitle`: fingerprintText(title), when the caller has it already.
 */
export function leadText(title: string, text: string | null, foldedTitle: string = fingerprintText(title)): string {
  const t = foldedTitle;
  // Only the lead matters; folding a megabyte of text to read 200 characters of it is waste.
  // What is read below: the common prefix with t, then 2 × FINGERPRINT_TEXT_CHARS code units.
  let c = foldedPrefix(text ?? '', 4 * (t.length + FINGERPRINT_TEXT_CHARS), t.length + 2 * FINGERPRINT_TEXT_CHARS);
  // A republisher that repeats the title as the first line of the text, often without its
  // decorations ("（图）", "| Site"), fingerprints like one that does not.
  const shared = commonPrefixLength(t, c);
  if (shared >= MIN_FINGERPRINT_TITLE && shared >= 0.7 * t.length) c = c.slice(shared);
  return firstCodePoints(c.slice(0, FINGERPRINT_TEXT_CHARS * 2), FINGERPRINT_TEXT_CHARS);
}

/** The first `count` code points of `text` (a surrogate pair is one; a lone surrogate counts as one too). */
function firstCodePoints(text: string, count: number): string {
  let i = 0;
  for (let n = 0; n < count && i < text.length; n++) i += isPairAt(text, i) ? 2 : 1;
  return i >= text.length ? text : text.slice(0, i);
}

/** Array.from(text).length without the array. */
function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; n++) i += isPairAt(text, i) ? 2 : 1;
  return n;
}

function isPairAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
}

/**
 * The first `want` code units of fingerprintText(text.slice(0, limit)) (or all of it when shorter),
 * folding the text a piece at a time and stopping once enough is folded: NFKC over the whole slice
 * was a tenth of a parse worker's time. Pieces end only before a space or a CJK unified ideograph:
 * neither composes with what precedes it under NFKC nor is cased or case-ignorable (so a Greek
 * final sigma before it lowercases the same), and the letter/digit filter is per character, so
 * folding piecewise gives exactly the string folding the whole slice gives.
 */
export function foldedPrefix(text: string, limit: number, want: number): string {
  const end = Math.min(text.length, limit);
  let folded = '';
  let position = 0;
  while (position < end && folded.length < want) {
    let cut = Math.min(end, position + FOLD_PIECE);
    while (cut < end && !isSafeCut(text.charCodeAt(cut))) cut++;
    folded += fingerprintText(text.slice(position, cut));
    position = cut;
  }
  return folded;
}

const FOLD_PIECE = 256;

function isSafeCut(code: number): boolean {
  return code === 0x20 || (code >= 0x4e00 && code <= 0x9fff);
}

/**
 * `lead`: leadText(title, text), and `foldedTitle`: fingerprintText(title), when the caller has
 * them already (folding text is not free).
 */
export function fingerprintOf(
  title: string,
  text: string | null,
  lead: string = leadText(title, text),
  foldedTitle: string = fingerprintText(title),
): string | null {
  const t = foldedTitle;
  if (codePointLength(t) < MIN_FINGERPRINT_TITLE || codePointLength(lead) < MIN_FINGERPRINT_TEXT) return null;
  return sha256(`${t}\n${lead}`);
}

// Headline keys: a CJK character says about as much as a short Latin word, so it weighs double.
const MIN_TITLE_KEY_WEIGHT = 16;
const MIN_TITLE_ALONE_WEIGHT = 30;
const LEAD_PROBE_CHARS = 40;

const CJK_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function titleWeight(folded: string): number {
  let weight = 0;
  for (const ch of folded) {
    const code = ch.charCodeAt(0);
    // ASCII is no CJK script; the unified ideographs are Han: no regex needed for either.
    weight += code < 0x80 ? 1 : code >= 0x4e00 && code <= 0x9fff ? 2 : CJK_SCRIPT.test(ch) ? 2 : 1;
  }
  return weight;
}

/** The folded headline's hash, or null when it is too short to name one story. */
export function titleKeyOf(title: string, foldedTitle: string = fingerprintText(title)): string | null {
  const t = foldedTitle;
  return titleWeight(t) >= MIN_TITLE_KEY_WEIGHT ? sha256(`title\n${t}`) : null;
}

/**
 * Whether two items with the same headline key tell the same story: the start of the shorter
 * lead appears in the longer one (republishers cut text at different lengths, prepend a dateline);
 * when either has too little text to compare, only a long, distinctive headline decides.
 */
export function leadsAgree(title: string, a: string, b: string): boolean {
  const [shorter, longer] = codePointLength(a) <= codePointLength(b) ? [a, b] : [b, a];
  const probe = firstCodePoints(shorter, LEAD_PROBE_CHARS);
  if (codePointLength(probe) >= LEAD_PROBE_CHARS) return longer.includes(probe);
  return titleWeight(fingerprintText(title)) >= MIN_TITLE_ALONE_WEIGHT;
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
