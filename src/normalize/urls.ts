// URL resolution and the canonical form used for cross-source dedup.

/** Longer URLs are refused: no real article URL needs them, and they bloat every output. */
export const MAX_URL_LENGTH = 8192;

/**
 * Resolves `href` against the first base that parses; null for unusable or non-web (other than
 * http/https) URLs. The result is the WHATWG serialization: absolute, IDN hosts in punycode,
 * spaces and non-ASCII percent-encoded.
 */
export function absoluteUrl(href: string | null | undefined, ...bases: (string | null | undefined)[]): string | null {
  if (!href) return null;
  const trimmed = href.trim();
  if (trimmed === '' || trimmed.length > MAX_URL_LENGTH) return null;
  for (const base of [...bases, undefined]) {
    try {
      const url = base ? new URL(trimmed, base) : new URL(trimmed);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
      return url.href.length > MAX_URL_LENGTH ? null : url.href;
    } catch {
      // try the next base
    }
  }
  return null;
}

// Parameters that identify the click, the campaign or the sharer, never the document. Lowercased;
// `utm_*` by prefix. Removing a parameter that does identify a document would merge two stories
// (data loss), while keeping a tracking one only misses a merge the fingerprint may still catch, so
// generic names that sites also use for content (`from`, `ref`, `source`, `feature`, `id`, `url`)
// stay out of this list.
const TRACKING_PARAMS = new Set([
  // ad-click identifiers
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid',
  'li_fat_id', 'igshid', 'srsltid', '_ga', '_gl',
  // mailing and marketing automation
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', 'vero_id', 'vero_conv', 'oly_anon_id', 'oly_enc_id',
  // campaign tags (Webtrends, AT Internet, Guardian, Adobe, …)
  'wt_mc', 'wt.mc_id', 'xtor', 'at_medium', 'at_campaign', 'cmp', 'cmpid', 'icid', 'ncid', 's_cid',
  // share widgets
  'ref_src', 'sr_share', 'share_token', 'isappinstalled',
  // Alibaba and Baidu Tongji, common on Chinese sites
  'spm', 'scm', 'hmsr', 'hmpl', 'hmcu', 'hmkw', 'hmci',
]);

function isTracking(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

// RFC 3986 §6.2.2: percent-encoded unreserved characters are decoded, other escapes uppercased.
function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * One spelling per document, for cross-source dedup (never shown): https for http (one site at
 * both schemes serves one document), lowercase host without a trailing dot, no credentials,
 * default port, tracking parameters or plain fragments; remaining parameters sorted; unreserved
 * percent-escapes decoded. A fragment that is a route (`#!/story/1`, `#/story/1`) names a document
 * in a single-page site and is kept.
 */
export function canonicalUrl(href: string | null): string | null {
  if (!href) return null;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Each URL setter reparses and reserializes the whole URL, so a setter that would change nothing
  // is skipped: most article URLs need none. `#` and `?` appear unescaped in a serialized http(s)
  // URL only as the fragment's and the query's delimiters (an empty one included, which the
  // setters remove).
  if (url.protocol === 'http:') url.protocol = 'https:';
  if (url.username !== '') url.username = '';
  if (url.password !== '') url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');
  if (url.href.includes('#') && !/^#[!/]/.test(url.hash)) url.hash = '';
  if (url.pathname.includes('%')) {
    const pathname = normalizePercentEncoding(url.pathname);
    if (pathname !== url.pathname) url.pathname = pathname;
  }
  const serialized = url.href;
  const hash = serialized.indexOf('#');
  if (!(hash === -1 ? serialized : serialized.slice(0, hash)).includes('?')) return serialized;
  const params = [...url.searchParams.entries()].filter(([name]) => !isTracking(name));
  params.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  url.search = params.length > 0 ? new URLSearchParams(params).toString() : '';
  return url.href;
}
