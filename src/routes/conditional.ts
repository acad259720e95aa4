// HTTP validators for rendered bytes: a strong ETag from the bytes' hash (identical in every
// process), Last-Modified to the second, and RFC 9110 §13.2.2 precedence (If-None-Match wins).
import { sha256 } from '../hash.ts';

export function strongEtag(bytes: Uint8Array): string {
  return `"${sha256(bytes).slice(0, 32)}"`;
}

function etagMatches(header: string, etag: string): boolean {
  if (header === etag) return true; // the common case: a client sending back what it was given
  if (header.trim() === '*') return true;
  // If-None-Match uses weak comparison: W/"x" matches "x".
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

export function isNotModified(headers: Pick<Headers, 'get'>, etag: string, lastModified: Date): boolean {
  const inm = headers.get('if-none-match');
  if (inm !== null) return etagMatches(inm, etag);
  const ims = headers.get('if-modified-since');
  if (ims !== null) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
