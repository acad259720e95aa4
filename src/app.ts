// createApp(deps) → the Hono app both runtimes serve. Routes are mounted here; typed errors are
// mapped to HTTP statuses here, once.
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';
import type { Logger } from './log.ts';
import { feedRoutes } from './routes/feeds.ts';
import { healthRoutes } from './routes/health.ts';
import type { Database } from './store/schema.ts';

export interface AppDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'publicUrl' | 'adminToken'>;
  log: Logger;
  now: () => Date;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route('/healthz', healthRoutes(deps));
  app.route('/feeds', feedRoutes(deps));

  app.notFound((c) => c.json({ error: `not found: ${new URL(c.req.url).pathname}` }, 404));
  app.onError((error, c) => {
    if (error instanceof AppError) {
      return c.json({ error: error.message }, error.status);
    }
    deps.log.error('http: unhandled error', { path: c.req.path, error: error.stack ?? String(error) });
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
