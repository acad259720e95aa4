// GET /healthz — 200 while the process is up and the database answers, 503 otherwise.
import { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppDeps } from '../app.ts';

const HEALTH_QUERY_TIMEOUT_MS = 2_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: AppDeps) {
  const app = new Hono();
  app.get('/', async (c) => {
    const started = performance.now();
    c.header('cache-control', 'no-store');
    try {
      await withTimeout(sql`SELECT 1`.execute(deps.db), HEALTH_QUERY_TIMEOUT_MS, 'the database did not answer in time');
      return c.json({ status: 'ok', database: 'ok', latencyMs: Math.round(performance.now() - started) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json({ status: 'unavailable', database: reason }, 503);
    }
  });
  return app;
}
