// URL resolution and canonical forms used for cross-source dedup.

/** Resolves `href` against the first base that parses; null for unusable or non-web URLs. */
export function absoluteUrl(href: string | null | undefined, ...bases: (string | null | undefined)[]): string | null {
  if (!href) return null;
  const trimmed = href.trim();
  if (trimmed === '') return null;
  for (const base of [...bases, undefined]) {
    try {
      const url = base ? new URL(trimmed, base) : new URL(trimmed);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
      return url.href;
    } catch {
      // try the next base
    }
  }
  return null;
}

// Parameters that identify the click, not the document. Lowercased names; `utm_*` by prefix.
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'igshid', 'mc_cid',
  'mc_eid', 'spm', 'scm', 'from', 'share_token', '_hsenc', '_hsmi', 'mkt_tok', 'ref_src', 'ref_url',
  'vero_id', 'oly_anon_id', 'oly_enc_id', 'wt_mc', 'wt.mc_id', 'cmpid', 'icid', 'ncid', 'sr_share',
]);

function isTracking(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

/**
 * One spelling per document: lowercase scheme and host (URL does that), default port, fragment
 * and tracking parameters dropped, remaining parameters sorted, `http` and `https` kept apart.
 */
export function canonicalUrl(href: string | null): string | null {
  if (!href) return null;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  url.hash = '';
  const params = [...url.searchParams.entries()].filter(([name]) => !isTracking(name));
  params.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  url.search = params.length > 0 ? new URLSearchParams(params).toString() : '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  return url.href;
}
