// What survives in republished HTML: a strict allowlist of tags and attributes, every URL absolute
// and http(s) (mailto for links), iframes only for known video players. Used by sanitize.ts.
import type sanitizeHtml from 'sanitize-html';
import { absoluteUrl } from './urls.ts';

export const ALLOWED_TAGS: readonly string[] = [
  'a', 'abbr', 'address', 'article', 'aside', 'audio', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br',
  'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl',
  'dt', 'em', 'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i',
  'iframe', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture', 'pre', 'q', 'rp', 'rt', 'ruby', 's',
  'samp', 'section', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'video', 'wbr',
];

export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title', 'target', 'rel'],
  img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height'],
  source: ['src', 'srcset', 'sizes', 'type', 'media'],
  audio: ['src', 'controls'],
  video: ['src', 'poster', 'controls', 'width', 'height'],
  iframe: ['src', 'width', 'height', 'allowfullscreen', 'sandbox', 'referrerpolicy'],
  abbr: ['title'],
  del: ['datetime'],
  ins: ['datetime'],
  time: ['datetime'],
  ol: ['start', 'reversed', 'type'],
  li: ['value'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan', 'scope'],
  col: ['span'],
  colgroup: ['span'],
  '*': ['lang', 'dir'],
};

// Tags dropped together with everything inside them: scripts, styles, forms' widgets, documents'
// heads, raw-text and template containers, and foreign content (SVG and MathML are where the known
// namespace-confusion mXSS vectors live; a feed loses little by dropping them).
export const DROPPED_WITH_CONTENT: readonly string[] = [
  'script', 'style', 'noscript', 'template', 'textarea', 'select', 'option', 'optgroup', 'datalist',
  'button', 'xmp', 'noembed', 'noframes', 'title', 'head', 'svg', 'math', 'applet', 'frameset',
];

// Video players allowed as iframes: exact hostname (never a suffix or prefix match) and the path
// of the embeddable player, so an allowed host cannot frame its other pages (redirectors, logins).
export const IFRAME_PLAYERS: Readonly<Record<string, string>> = {
  'www.youtube.com': '/embed/',
  'youtube.com': '/embed/',
  'www.youtube-nocookie.com': '/embed/',
  'player.vimeo.com': '/video/',
  'www.dailymotion.com': '/embed/',
  'player.bilibili.com': '/player.html',
  'player.youku.com': '/embed/',
  'v.qq.com': '/txp/iframe/',
};

// The player may run its scripts and open its own site in a new tab; nothing else.
const IFRAME_SANDBOX = 'allow-scripts allow-same-origin allow-popups allow-presentation';

// Whitespace, controls and invisible separators are ignored by browsers around and inside a scheme
// (`java\tscript:`, `\u2028javascript:`), and downstream aggregators may strip them too, so the
// scheme is judged with them removed. Attribute values arrive here entity-decoded by htmlparser2
// (`&#106;`, `&#x09;`, `&Tab;`, `&colon;` and their unterminated forms are already characters).
const INVISIBLE = /[\u0000-\u0020\u007F-\u00A0\u00AD\u034F\u061C\u115F\u1160\u1680\u17B4\u17B5\u180B-\u180F\u2000-\u200F\u2028-\u202F\u205F-\u206F\u3000\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]/g;

/** An absolute http(s) URL, or a mailto: link for `a href`; null for anything else. */
export function safeUrl(value: string, base: string | null, kind: 'link' | 'media'): string | null {
  const squeezed = value.replace(INVISIBLE, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(squeezed) && !/^https?:/i.test(squeezed)) {
    if (kind === 'link' && /^mailto:[^\s/?#]/i.test(squeezed)) return `mailto:${squeezed.slice(7)}`;
    return null;
  }
  // Protocol-relative and relative URLs resolve against the entry's base; the result is http(s)
  // or nothing (absoluteUrl refuses every other scheme).
  return absoluteUrl(value, base);
}

/**
 * srcset candidates (HTML §4.8.4.3.10: a URL, then descriptors up to a comma) with every URL made
 * safe; candidates with unsafe URLs or malformed descriptors are dropped. Commas inside a URL
 * (`/w_100,h_80/a.jpg`) are kept; a URL ending in a comma is escaped so the list re-parses the same.
 */
export function safeSrcset(value: string, base: string | null): string | null {
  const out: string[] = [];
  let position = 0;
  while (position < value.length) {
    while (position < value.length && /[\s,]/.test(value[position]!)) position++;
    if (position >= value.length) break;
    let end = position;
    while (end < value.length && !/\s/.test(value[end]!)) end++;
    let url = value.slice(position, end);
    position = end;
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      const comma = value.indexOf(',', position);
      const stop = comma === -1 ? value.length : comma;
      descriptor = value.slice(position, stop).trim();
      position = stop + 1;
    }
    const safe = safeUrl(url, base, 'media');
    if (safe && /^(?:\d+w|\d+(?:\.\d+)?x|)$/.test(descriptor)) {
      out.push(descriptor ? `${safe.replace(/,$/, '%2C')} ${descriptor}` : safe.replace(/,$/, '%2C'));
    }
  }
  return out.length > 0 ? out.join(', ') : null;
}

/** The player URL (upgraded to https) when `src` is an allowed video player; null otherwise. */
export function iframePlayer(src: string | null): string | null {
  if (!src) return null;
  let url: URL;
  try {
    url = new URL(src);
  } catch {
    return null;
  }
  const path = IFRAME_PLAYERS[url.hostname];
  if (path === undefined || url.username !== '' || url.password !== '' || url.port !== '') return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.pathname.startsWith(path)) return null;
  url.protocol = 'https:';
  return url.href;
}

const NUMBER = /^\d{1,5}$/;
const LENGTH = /^\d{1,5}(?:%|px)?$/;
const ATTRIBUTE_VALUES: Record<string, (value: string) => string | null> = {
  width: (v) => (LENGTH.test(v.trim()) ? v.trim() : null),
  height: (v) => (LENGTH.test(v.trim()) ? v.trim() : null),
  colspan: (v) => (NUMBER.test(v.trim()) ? v.trim() : null),
  rowspan: (v) => (NUMBER.test(v.trim()) ? v.trim() : null),
  span: (v) => (NUMBER.test(v.trim()) ? v.trim() : null),
  start: (v) => (/^-?\d{1,9}$/.test(v.trim()) ? v.trim() : null),
  value: (v) => (/^-?\d{1,9}$/.test(v.trim()) ? v.trim() : null),
  type: (v) => (/^(?:[1aAiI]|[\w.+-]+\/[\w.+-]+(?:\s*;.*)?)$/.test(v.trim()) ? v.trim() : null),
  scope: (v) => (/^(?:row|col|rowgroup|colgroup)$/i.test(v.trim()) ? v.trim().toLowerCase() : null),
  dir: (v) => (/^(?:ltr|rtl|auto)$/i.test(v.trim()) ? v.trim().toLowerCase() : null),
  lang: (v) => (/^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/i.test(v.trim()) ? v.trim() : null),
  target: (v) => (v.trim().toLowerCase() === '_blank' ? '_blank' : null),
  controls: () => '',
  reversed: () => '',
};

// Per tag, the attributes it may keep (its own and the global ones), built once: this runs for
// every tag of every sanitizer pass.
const allowedAttributeSets = new Map<string, ReadonlySet<string>>();
function allowedAttributesOf(tagName: string): ReadonlySet<string> {
  let set = allowedAttributeSets.get(tagName);
  if (!set) {
    set = new Set([...(Object.hasOwn(ALLOWED_ATTRIBUTES, tagName) ? ALLOWED_ATTRIBUTES[tagName]! : []), ...(ALLOWED_ATTRIBUTES['*'] ?? [])]);
    if (allowedAttributeSets.size < 256) allowedAttributeSets.set(tagName, set);
  }
  return set;
}

function cleanAttributes(tagName: string, attribs: Record<string, string>, base: string | null): Record<string, string> {
  const allowed = allowedAttributesOf(tagName);
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(attribs)) {
    if (!allowed.has(name)) continue;
    let clean: string | null;
    if (name === 'href') clean = safeUrl(value, base, 'link');
    else if (name === 'src' || name === 'poster') clean = safeUrl(value, base, 'media');
    else if (name === 'srcset') clean = safeSrcset(value, base);
    else if (name === 'rel' || name === 'sandbox' || name === 'referrerpolicy' || name === 'allowfullscreen') clean = null; // set below
    else clean = ATTRIBUTE_VALUES[name]?.(value) ?? (name in ATTRIBUTE_VALUES ? null : value);
    if (clean !== null) next[name] = clean;
  }
  return next;
}

const LAZY_SOURCES = ['data-src', 'data-original', 'data-lazy-src', 'data-actualsrc', 'data-echo'];

// A 1×1 (or 0×0) image is a tracking pixel, not content.
function isTrackingPixel(attribs: Record<string, string>): boolean {
  return /^[01](?:px)?$/.test(attribs.width ?? '') && /^[01](?:px)?$/.test(attribs.height ?? '');
}

/** Tags written as `<tag … />` with no end tag. */
export const SELF_CLOSING: readonly string[] = ['img', 'br', 'hr', 'wbr', 'source', 'col'];

export interface TransformedTag {
  tagName: string;
  attribs: Record<string, string>;
}

/** The per-tag rewrite: allowed attributes only, URLs absolute and safe, players only as iframes. */
function tagTransformFor(base: string | null): (tagName: string, attribs: Record<string, string>) => TransformedTag {
  return (tagName, attribs) => {
    const next = cleanAttributes(tagName, attribs, base);
    if (tagName === 'a' && next.href) next.rel = 'noopener noreferrer';
    if (tagName === 'a' && !next.href) delete next.target;
    if (tagName === 'img' && !next.src) {
      // Lazy-loading markup keeps the real image in a data- attribute (src missing or a data:
      // placeholder, which safeUrl refused); an image with only a srcset gets its first candidate.
      const lazy = LAZY_SOURCES.map((name) => attribs[name]).find((value) => value !== undefined && value.trim() !== '');
      const src = (lazy ? safeUrl(lazy, base, 'media') : null) ?? next.srcset?.split(/\s+/)[0]?.replace(/,$/, '');
      if (src) return { tagName, attribs: { src, ...next } };
    }
    if (tagName === 'iframe') {
      const player = iframePlayer(next.src ?? null);
      if (!player) return { tagName, attribs: {} };
      next.src = player;
      next.sandbox = IFRAME_SANDBOX;
      next.referrerpolicy = 'strict-origin-when-cross-origin';
      next.allowfullscreen = '';
    }
    return { tagName, attribs: next };
  };
}

/**
 * Elements dropped after the rewrite (sanitize-html's exclusiveFilter): `true` drops the element
 * with its content, 'excludeTag' keeps the content.
 */
export function exclusionOf(tag: string, attribs: Record<string, string>): boolean | 'excludeTag' {
  if (tag === 'iframe') return !attribs.src;
  if (tag === 'img') return !attribs.src || isTrackingPixel(attribs);
  if (tag === 'a' && !attribs.href) return 'excludeTag';
  return false;
}

// One policy object (and its tag transform) per base URL, reused: building it (and sanitize-html
// reading it) cost more per call than a short entry's sanitizing. sanitize-html copies what it
// changes, never the policy.
interface CachedPolicy {
  policy: sanitizeHtml.IOptions;
  transform: ReturnType<typeof tagTransformFor>;
}
const policies = new Map<string | null, CachedPolicy>();
const MAX_CACHED_POLICIES = 64;

function cachedPolicy(base: string | null): CachedPolicy {
  let cached = policies.get(base);
  if (!cached) {
    if (policies.size >= MAX_CACHED_POLICIES) policies.clear();
    const transform = tagTransformFor(base);
    cached = { policy: buildPolicy(transform), transform };
    policies.set(base, cached);
  }
  return cached;
}

export function policyFor(base: string | null): sanitizeHtml.IOptions {
  return cachedPolicy(base).policy;
}

/** The tag transform policyFor(base) applies (sanitize-fixpoint.ts checks output against it). */
export function tagTransform(base: string | null): ReturnType<typeof tagTransformFor> {
  return cachedPolicy(base).transform;
}

function buildPolicy(transform: ReturnType<typeof tagTransformFor>): sanitizeHtml.IOptions {
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]])),
    // Our transform has already made every URL absolute http(s) or mailto; these re-check it.
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'], source: ['http', 'https'], audio: ['http', 'https'], video: ['http', 'https'], iframe: ['https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: [...DROPPED_WITH_CONTENT],
    selfClosing: [...SELF_CLOSING],
    parseStyleAttributes: false,
    transformTags: { '*': transform },
    // An iframe's children are fallback text no browser shows (raw text in HTML); drop them.
    textFilter: (text, tagName) => (tagName === 'iframe' ? '' : text),
    exclusiveFilter: (frame) => exclusionOf(frame.tag, frame.attribs),
  };
}
