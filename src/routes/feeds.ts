// GET /feeds/{slug}.{rss,atom,json} — a category (or `all`) as a feed.
import { Hono } from 'hono';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { buildFeedDocument } from '../render/document.ts';
import { CONTENT_TYPES, renderFeed, type FeedFormatName } from '../render/index.ts';
import { getCategoryBySlug } from '../store/catalog.ts';
import { readArticlePage } from '../store/feeds.ts';
import type { AppDeps } from '../app.ts';
import { isNotModified, strongEtag } from './conditional.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
const FILE = /^([a-z0-9-]+)\.(rss|atom|json)$/;
const encoder = new TextEncoder();

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw new BadRequestError(`limit: must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}

export function feedRoutes(deps: AppDeps) {
  const app = new Hono();
  app.get('/:file', async (c) => {
    const match = FILE.exec(c.req.param('file'));
    if (!match) throw new NotFoundError(`no such feed: ${c.req.param('file')}`);
    const [, slug, format] = match as unknown as [string, string, FeedFormatName];
    const limit = parseLimit(c.req.query('limit'));
    const beforeText = c.req.query('before') ?? null;
    const before = beforeText !== null ? decodeCursor(beforeText) : null;

    const category = slug === 'all' ? null : await getCategoryBySlug(deps.db, slug);
    if (category === undefined) throw new NotFoundError(`no category with slug "${slug}"`);

    const page = await readArticlePage(deps.db, category?.id ?? null, limit, before);
    const doc = buildFeedDocument(page, {
      category,
      publicUrl: deps.config.publicUrl,
      limit,
      defaultLimit: DEFAULT_LIMIT,
      before: beforeText,
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
    const body = encoder.encode(renderFeed(format, doc));
    const etag = strongEtag(body);
    const lastModified = page.articles.reduce((max, a) => (a.changed_at > max ? a.changed_at : max), new Date(0));
    const headers = {
      'content-type': CONTENT_TYPES[format],
      etag,
      'last-modified': lastModified.toUTCString(),
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      vary: 'Accept-Encoding',
    };
    if (isNotModified(c.req.raw.headers, etag, lastModified)) {
      return c.body(null, 304, headers);
    }
    return c.body(body, 200, headers);
  });
  return app;
}
