// GET /feeds/{slug}.{rss,atom,json} — a category (or `all`) as a feed. Rendered bytes come from
// the render cache keyed on the database's content version; validators and compression are
// computed once per render.
import { Hono, type Context } from 'hono';
import { NotFoundError } from '../errors.ts';
import { buildFeedDocument } from '../render/document.ts';
import { CONTENT_TYPES, renderFeed, type FeedFormatName } from '../render/index.ts';
import { getCategoryBySlug } from '../store/catalog.ts';
import { readArticlePage, readFeedState, type FeedState } from '../store/feeds.ts';
import type { AppDeps, RouteDeps } from '../app.ts';
import { isNotModified, strongEtag } from './conditional.ts';
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, parseLimit } from './cursor.ts';
import { chooseEncoding } from './encoding.ts';
import type { RenderedFeed } from './render-cache.ts';

const FILE = /^([a-z0-9-]+)\.(rss|atom|json)$/;
const MIN_MAX_AGE = 60;
const MAX_MAX_AGE = 3600;
const encoder = new TextEncoder();

/** Subscribers may cache until the next planned poll of the feed's sources, within bounds. */
function maxAge(state: FeedState, now: Date): number {
  if (!state.nextPollAt) return MAX_MAX_AGE;
  const seconds = Math.round((state.nextPollAt.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_MAX_AGE, Math.max(MIN_MAX_AGE, seconds));
}

export function feedRoutes(deps: RouteDeps) {
  const app = new Hono();

  async function render(slug: string, format: FeedFormatName, limit: number, beforeText: string | null): Promise<RenderedFeed> {
    const before = beforeText !== null ? decodeCursor(beforeText) : null;
    const category = slug === 'all' ? null : ((await getCategoryBySlug(deps.db, slug)) ?? null);
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
    const compressed = deps.compress ? deps.compress(body) : null;
    const lastModified = page.articles.reduce((max, a) => (a.changed_at > max ? a.changed_at : max), new Date(0));
    return { body, gzip: compressed?.gzip ?? null, br: compressed?.br ?? null, etag: strongEtag(body), lastModified };
  }

  app.get('/:file', async (c) => {
    const match = FILE.exec(c.req.param('file'));
    if (!match) throw new NotFoundError(`no such feed: ${c.req.param('file')}`);
    const [, slug, format] = match as unknown as [string, string, FeedFormatName];
    const limit = parseLimit(c.req.query('limit'));
    const beforeText = c.req.query('before') ?? null;
    if (beforeText !== null) decodeCursor(beforeText); // reject a bad cursor before any work

    const state = await deps.feedStates.get(slug === 'all' ? null : slug);
    if (!state) throw new NotFoundError(`no category with slug "${slug}"`);
    const key = `${slug}.${format}?${limit}&${beforeText ?? ''}`;
    let hit = true;
    const rendered = await deps.renderCache.get(key, state.version, () => {
      hit = false;
      return render(slug, format, limit, beforeText);
    });
    deps.metrics.renderCache.inc({ result: hit ? 'hit' : 'miss' });
    const response = respond(c, rendered, format, maxAge(state, deps.now()));
    deps.metrics.feedRequests.inc({ format, status: String(response.status) });
    return response;
  });
  return app;
}

function respond(c: Context, rendered: RenderedFeed, format: FeedFormatName, maxAgeSeconds: number) {
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[format],
    etag: rendered.etag,
    'last-modified': rendered.lastModified.toUTCString(),
    'cache-control': `public, max-age=${maxAgeSeconds}`,
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding',
  };
  if (isNotModified(c.req.raw.headers, rendered.etag, rendered.lastModified)) {
    return c.body(null, 304, headers);
  }
  const encoding = chooseEncoding(c.req.header('accept-encoding') ?? null, { br: rendered.br !== null, gzip: rendered.gzip !== null });
  if (encoding === 'br') return c.body(rendered.br!, 200, { ...headers, 'content-encoding': 'br' });
  if (encoding === 'gzip') return c.body(rendered.gzip!, 200, { ...headers, 'content-encoding': 'gzip' });
  return c.body(rendered.body, 200, headers);
}

/** Reads feed states with a short memo so a hot feed costs at most one small query per interval. */
export class FeedStateReader {
  private readonly memo = new Map<string, { at: number; value: Promise<FeedState | undefined> }>();

  constructor(
    private readonly db: AppDeps['db'],
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get(slug: string | null): Promise<FeedState | undefined> {
    const key = slug ?? '';
    const now = this.clock();
    const hit = this.memo.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = readFeedState(this.db, slug);
    this.memo.set(key, { at: now, value });
    value.catch(() => this.memo.delete(key));
    return value;
  }
}
