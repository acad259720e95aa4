// Cloudflare Workers entry: the same createApp, with a database per invocation through the
// Hyperdrive binding. A pg connection cannot be reused across requests on Workers, so each
// invocation opens its own pool and closes it in waitUntil.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createApp } from '../app.ts';
import { parseConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Database } from '../store/schema.ts';
import { pgTypes } from './pg-types.ts';

interface Env {
  HYPERDRIVE: { connectionString: string };
  [variable: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

const log = createLogger((level, line) => (level === 'info' ? console.log(line) : console.error(line)));

function stringVars(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function openDatabase(env: Env) {
  const pool = new pg.Pool({ connectionString: env.HYPERDRIVE.connectionString, max: 1, connectionTimeoutMillis: 5_000, types: pgTypes });
  // pg-cloudflare emits "Stream was cancelled" when the socket ends; without a listener it throws.
  pool.on('error', (error) => log.warn('database: pool error', { error: error.message }));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = parseConfig(stringVars(env));
    const db = openDatabase(env);
    try {
      const app = createApp({ db, config, log, now: () => new Date() });
      return await app.fetch(request);
    } finally {
      ctx.waitUntil(db.destroy());
    }
  },
};
