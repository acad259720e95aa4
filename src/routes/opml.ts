// GET /opml — every category feed (and `all`) as OPML 2.0, for subscribers.
import { Hono } from 'hono';
import type { RouteDeps } from '../app.ts';
import { ALL_TITLE } from '../render/document.ts';
import { renderOpml } from '../render/opml.ts';
import { listCategories } from '../store/catalog.ts';
import { strongEtag, isNotModified } from './conditional.ts';

const encoder = new TextEncoder();

export function opmlRoutes(deps: RouteDeps) {
  const app = new Hono();
  app.get('/', async (c) => {
    const categories = await listCategories(deps.db);
    const base = deps.config.publicUrl;
    const outlines = [
      ...categories.map((cat) => ({
        title: cat.title,
        xmlUrl: `${base}/feeds/${cat.slug}.atom`,
        htmlUrl: `${base}/category/${cat.slug}`,
        description: cat.description,
        language: cat.language,
      })),
      { title: ALL_TITLE, xmlUrl: `${base}/feeds/all.atom`, htmlUrl: `${base}/category/all` },
    ];
    // The newest category change dates the document, so unchanged categories give identical bytes.
    const updated = categories.reduce((max, cat) => (cat.updated_at > max ? cat.updated_at : max), new Date(0));
    const body = encoder.encode(renderOpml('feedrelay categories', base, outlines, updated));
    const etag = strongEtag(body);
    const headers = {
      'content-type': 'text/x-opml; charset=utf-8',
      etag,
      'last-modified': updated.toUTCString(),
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    };
    if (isNotModified(c.req.raw.headers, etag, updated)) return c.body(null, 304, headers);
    return c.body(body, 200, headers);
  });
  return app;
}
