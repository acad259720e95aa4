// createApp(deps) → the Hono app both runtimes serve. Routes are mounted here; typed errors are
// mapped to HTTP statuses here, once.
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import type { PollerDeps } from './poller/poll-source.ts';
import { compressOtherResponses } from './routes/compress.ts';
import { adminCategoryRoutes } from './routes/admin/categories.ts';
import { adminGuard } from './routes/admin/guard.ts';
import { adminOpmlRoutes } from './routes/admin/opml.ts';
import { adminSourceRoutes } from './routes/admin/sources.ts';
import { FeedStateReader, feedRoutes } from './routes/feeds.ts';
import { healthRoutes } from './routes/health.ts';
import { pageRoutes } from './routes/pages.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { opmlRoutes } from './routes/opml.ts';
import { RenderCache } from './routes/render-cache.ts';
import type { Database } from './store/schema.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from './store/unavailable.ts';

/** What the feed routes need from a render cache (the Worker passes one backed by the Cache API). */
export type FeedRenderCache = Pick<RenderCache, 'get'>;

export interface Compressed {
  gzip: Uint8Array<ArrayBuffer>;
  br: Uint8Array<ArrayBuffer>;
}

export interface AppDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'publicUrl' | 'adminToken'> & Partial<Pick<Config, 'allowPrivateUpstreams'>>;
  log: Logger;
  now: () => Date;
  /**
   * Compresses a render once (Node). Absent on Workers, whose runtime compresses responses; where
   * it is given, the other responses (pages, OPML, admin JSON, metrics) are gzipped per request too.
   */
  compress?: (body: Uint8Array) => Compressed;
  /** How long a feed's content version may be reused before asking the database again. */
  feedStateTtlMs?: number;
  /** Shared with the poller in the same process so /metrics shows both. */
  metrics?: Metrics;
  /** Fetches for the admin API (adding a source, poll now); without it those answer 503. */
  poller?: PollerDeps;
  /** Rendered feeds; default an in-process RenderCache. A Worker's app lives for one request. */
  renderCache?: FeedRenderCache;
  /** Feed states; default a FeedStateReader of its own (the Node entry shares one with its fast path). */
  feedStates?: FeedStateReader;
}

/** What routes receive: the app's dependencies plus the per-app caches. */
export interface RouteDeps extends AppDeps {
  metrics: Metrics;
  renderCache: FeedRenderCache;
  feedStates: FeedStateReader;
}

export function createApp(deps: AppDeps): Hono {
  const routeDeps: RouteDeps = {
    ...deps,
    metrics: deps.metrics ?? new Metrics(),
    renderCache: deps.renderCache ?? new RenderCache(),
    feedStates: deps.feedStates ?? new FeedStateReader(deps.db, deps.feedStateTtlMs ?? 1_000),
  };
  const app = new Hono();
  // First, before routing: every spelling of an /admin path needs the token (routes/admin/guard.ts).
  app.use('*', adminGuard(deps.config.adminToken));
  // Where the runtime does not compress (Node: deps.compress given), the other responses too.
  if (deps.compress) app.use('*', compressOtherResponses());
  app.route('/healthz', healthRoutes(routeDeps));
  app.route('/feeds', feedRoutes(routeDeps));
  app.route('/opml', opmlRoutes(routeDeps));
  app.route('/admin/categories', adminCategoryRoutes(routeDeps));
  app.route('/admin/sources', adminSourceRoutes(routeDeps));
  app.route('/admin/opml', adminOpmlRoutes(routeDeps));
  app.route('/metrics', metricsRoutes(routeDeps));
  app.route('/', pageRoutes(routeDeps));

  app.notFound((c) => c.json({ error: `not found: ${new URL(c.req.url).pathname}` }, 404));
  app.onError((error, c) => {
    if (error instanceof AppError) {
      return c.json({ error: error.message }, error.status);
    }
    if (isDatabaseUnavailable(error)) {
      // What /healthz says, on every route: come back shortly, nothing is wrong with the request.
      deps.log.warn('http: database unavailable', { path: c.req.path, error: error.message });
      return c.json({ error: DATABASE_UNAVAILABLE.message }, 503, { 'Retry-After': String(DATABASE_UNAVAILABLE.retryAfterSeconds) });
    }
    deps.log.error('http: unhandled error', { path: c.req.path, error: error.stack ?? String(error) });
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
