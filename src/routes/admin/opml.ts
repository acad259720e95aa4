// /admin/opml — the upstream sources as OPML 2.0 (GET), and an OPML import (POST, the document as
// the body; `?category=slug` receives top-level feeds) answering a per-outline report.
import { Hono } from 'hono';
import type { RouteDeps } from '../../app.ts';
import { BadRequestError } from '../../errors.ts';
import { exportOpml, importOpml } from '../../operations/opml.ts';
import { SLUG } from '../../sources/category-file.ts';
import { limitBody, OPML_BODY_LIMIT, operationDeps } from './common.ts';

export function adminOpmlRoutes(deps: RouteDeps) {
  const ops = operationDeps(deps);
  const app = new Hono();
  app.use('*', limitBody(OPML_BODY_LIMIT));

  app.get('/', async (c) => {
    const body = await exportOpml(ops);
    return c.body(body, 200, {
      'content-type': 'text/x-opml; charset=utf-8',
      'content-disposition': 'attachment; filename="feedrelay-sources.opml"',
      'x-content-type-options': 'nosniff',
    });
  });

  app.post('/', async (c) => {
    const category = c.req.query('category');
    if (category !== undefined && !SLUG.test(category)) throw new BadRequestError('category: must be a category slug ([a-z0-9-]+)');
    const body = new Uint8Array(await c.req.arrayBuffer());
    const report = await importOpml(ops, body, { ...(category !== undefined ? { category } : {}), contentType: c.req.header('content-type') ?? null });
    return c.json(report);
  });
  return app;
}
