// Compression of the responses that are not feeds (pages, OPML, admin JSON, metrics), where the
// runtime does not compress (Node). Feeds carry their own, compressed once per render
// (routes/feeds.ts), and are left alone here.
import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

export function compressOtherResponses(): MiddlewareHandler {
  // hono/compress skips a response that already has a Content-Encoding, HEADs and `no-transform`,
  // adds `Vary: Accept-Encoding` and weakens a strong ETag (a gzipped body is another
  // representation). Gzip only: CompressionStream has no brotli on Node 20, and these bodies are
  // compressed per request.
  const gzip = compress({ encoding: 'gzip' });
  return async (c, next) => {
    if (c.req.path.startsWith('/feeds/')) return next();
    await gzip(c, next);
    // A 304 has no body, so hono/compress leaves its ETag strong; answer it in the weakened form
    // the client holds from the gzipped 200 it revalidates, as RFC 9110 §15.4.5 asks.
    if (c.res.status !== 304) return;
    const etag = c.res.headers.get('ETag');
    if (etag && !etag.startsWith('W/') && c.req.header('If-None-Match')?.includes(`W/${etag}`)) {
      c.res.headers.set('ETag', `W/${etag}`);
    }
  };
}
