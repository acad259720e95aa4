// The format is decided by the bytes, never by the Content-Type: upstreams label feeds text/html,
// application/octet-stream or text/plain all the time.
export type Sniffed = 'xml' | 'json' | 'html' | 'empty' | 'unknown';

export function sniffFormat(text: string): Sniffed {
  // Skip BOM, whitespace, the XML declaration, comments, processing instructions and doctype.
  const head = text
    .slice(0, 4096)
    .replace(/^\uFEFF/, '')
    .replace(/^(\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)+/, '');
  if (head.trim() === '') return 'empty';
  if (head.startsWith('{')) return 'json';
  const lower = head.toLowerCase();
  if (/^<!doctype\s+html/.test(lower) || /^<html[\s>]/.test(lower)) return 'html';
  if (/^(<!doctype[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<([a-z0-9_-]+:)?(rss|feed|rdf|channel)[\s>/]/.test(lower)) {
    return 'xml';
  }
  if (/<(head|body|div|meta|title)[\s>]/.test(lower) && !/<(rss|feed|rdf:rdf)[\s>]/.test(lower)) return 'html';
  if (lower.startsWith('<')) return 'xml';
  return 'unknown';
}
