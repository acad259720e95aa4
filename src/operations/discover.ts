// Choosing among the feeds an HTML page advertises (`<link rel="alternate" type=… href=…>`).
// Preference, best first: Atom, RSS (and RSS 1.0/RDF), JSON Feed, then links whose type is not
// known — Atom has the most precise semantics (required ids and updated dates, typed content);
// RSS is the most common; JSON Feed last. Within one type the page's own order wins (sites list
// their main feed first, comment feeds after). A link without a type is never guessed at from
// its URL: it keeps its place in the page's order.

export type FeedKind = 'atom' | 'rss' | 'json' | 'unknown';

export interface FeedLink {
  url: string;
  type: string | null;
  title: string | null;
  kind: FeedKind;
}

const RANK: Record<FeedKind, number> = { atom: 0, rss: 1, json: 2, unknown: 3 };

export function kindOf(type: string | null): FeedKind {
  const t = (type ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'application/atom+xml') return 'atom';
  if (t === 'application/rss+xml' || t === 'application/rdf+xml') return 'rss';
  if (t === 'application/feed+json' || t === 'application/json') return 'json';
  return 'unknown';
}

function field(value: unknown, ...names: string[]): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const name of names) {
    const v = (value as Record<string, unknown>)[name];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return null;
}

/**
 * The advertised links as absolute http(s) URLs, deduplicated, best first. Accepts plain URL
 * strings or `{ url | href, type?, title? }` objects, resolved against the page's URL.
 */
export function rankFeedLinks(advertised: readonly unknown[], pageUrl: string): FeedLink[] {
  const seen = new Set<string>();
  const links: FeedLink[] = [];
  for (const item of advertised) {
    const href = typeof item === 'string' ? item.trim() : field(item, 'url', 'href');
    if (!href) continue;
    let url: URL;
    try {
      url = new URL(href, pageUrl);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    url.hash = '';
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    const type = field(item, 'type');
    links.push({ url: url.href, type, title: field(item, 'title'), kind: kindOf(type) });
  }
  // Array.prototype.sort is stable: the page's order holds within a kind (and when no type is known).
  return links.sort((a, b) => RANK[a.kind] - RANK[b.kind]);
}
