// The format is decided by the bytes, never by the Content-Type: upstreams label feeds text/html,
// application/octet-stream or text/plain all the time, and serve HTML error pages as
// application/rss+xml.
import { skipProlog } from './xml-scan.ts';

export type SniffedKind = 'xml' | 'json' | 'html' | 'empty' | 'unknown';

export interface Sniffed {
  kind: SniffedKind;
  /** Where the document starts: past junk some servers print before `<?xml` (PHP warnings). */
  start: number;
}

// Elements that begin an HTML page (or fragment) and never a feed.
const HTML_FIRST_ELEMENTS = new Set([
  'html', 'head', 'body', 'meta', 'title', 'link', 'script', 'style', 'div', 'p', 'span', 'a', 'br',
  'table', 'center', 'iframe', 'noscript', 'form', 'h1', 'h2', 'h3', 'pre', 'img', 'main', 'header',
]);

const FEED_ROOTS = new Set(['rss', 'feed', 'rdf']);

function firstElementName(text: string, at: number): string | null {
  return /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(at, at + 256))?.[1] ?? null;
}

function lateFeedStart(text: string, from: number): Sniffed | null {
  const at = text.slice(from, from + 4096).search(/<\?xml\s|<(?:[\w-]+:)?(?:rss|feed|RDF)[\s>]/);
  return at > 0 ? { kind: 'xml', start: from + at } : null;
}

export function sniffFormat(text: string): Sniffed {
  const { next, doctype } = skipProlog(text);
  if (next >= text.length) return { kind: doctype === null ? 'empty' : 'unknown', start: 0 };
  const first = text[next];
  if (first === '{' || first === '[') return { kind: 'json', start: 0 };
  // An XML declaration or feed element after other output: the feed, behind a server's warnings.
  const late = lateFeedStart(text, next);
  if (first !== '<') return late ?? { kind: 'unknown', start: 0 };
  const name = firstElementName(text, next);
  if (name === null) return late ?? { kind: 'unknown', start: 0 };
  const local = name.slice(name.indexOf(':') + 1).toLowerCase();
  if (FEED_ROOTS.has(local)) return { kind: 'xml', start: 0 }; // whatever DOCTYPE precedes it
  if (HTML_FIRST_ELEMENTS.has(local) || doctype?.toLowerCase() === 'html') return late ?? { kind: 'html', start: 0 };
  return { kind: 'xml', start: 0 };
}
