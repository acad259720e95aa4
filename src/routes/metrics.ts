// GET /metrics — Prometheus text format: this process's counters plus source health from the database.
import { Hono } from 'hono';
import type { RouteDeps } from '../app.ts';
import { countSourcesByStatus } from '../store/sources.ts';

export function metricsRoutes(deps: RouteDeps) {
  const app = new Hono();
  app.get('/', async (c) => {
    const byStatus = await countSourcesByStatus(deps.db);
    const body = deps.metrics.render([
      {
        name: 'feedrelay_sources',
        help: 'Pollable sources by status.',
        values: (['ok', 'erroring', 'paused', 'gone'] as const).map((status) => ({ labels: { status }, value: byStatus[status] ?? 0 })),
      },
    ]);
    return c.body(body, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
  });
  return app;
}
