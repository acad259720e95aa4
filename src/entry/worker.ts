// Cloudflare Workers entry: the same createApp, and a cron-triggered poller using the same
// database leases as Node. A pg connection cannot be reused across requests on Workers, so each
// invocation opens its own pool (through the Hyperdrive binding) and closes it in waitUntil.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createApp } from '../app.ts';
import { parseConfig, type Config } from '../config.ts';
import { urlGuard } from '../fetcher/index.ts';
import { createLogger } from '../log.ts';
import type { PollerDeps } from '../poller/poll-source.ts';
import { pollDue } from '../poller/run.ts';
import { parseCategoryFiles } from '../sources/category-file.ts';
import { syncCategoryDefinitions } from '../store/catalog.ts';
import { pruneArticles } from '../store/retention.ts';
import type { Database } from '../store/schema.ts';
import { userAgent } from '../version.ts';
import { bundledCategoryFiles } from './bundled-feeds.generated.ts';
import { pgTypes } from './pg-types.ts';

interface Env {
  HYPERDRIVE: { connectionString: string };
  [variable: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface ScheduledController {
  scheduledTime: number;
  cron: string;
}

const log = createLogger((level, line) => (level === 'info' ? console.log(line) : console.error(line)));

// Workers allow 6 simultaneous outgoing connections per invocation: one is the database, the rest
// upstreams. A bounded batch keeps one invocation inside the CPU and subrequest limits; overlapping
// cron runs take disjoint batches through the leases.
const WORKER_BATCH = 25;
const WORKER_CONCURRENCY = 4;

function stringVars(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function openDatabase(env: Env): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: env.HYPERDRIVE.connectionString, max: 1, connectionTimeoutMillis: 5_000, types: pgTypes });
  // pg-cloudflare emits "Stream was cancelled" when the socket ends; without a listener it throws.
  pool.on('error', (error) => log.warn('database: pool error', { error: error.message }));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function workerPollerDeps(db: Kysely<Database>, config: Config): PollerDeps {
  return {
    db,
    fetcher: {
      // The Workers runtime cannot reach private networks; the URL guard refuses what the URL alone
      // shows (address literals, localhost) unless ALLOW_PRIVATE_UPSTREAMS admits it.
      fetch: (input, init) => fetch(input, init),
      checkUrl: urlGuard(config.allowPrivateUpstreams),
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.fetchMaxBytes,
      userAgent: userAgent(config.publicUrl),
    },
    defaultIntervalSeconds: config.pollIntervalSeconds,
    now: () => new Date(),
    random: Math.random,
    newId: () => crypto.randomUUID(),
    log,
    owner: `worker:${crypto.randomUUID().slice(0, 8)}`,
  };
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = parseConfig(stringVars(env));
    const db = openDatabase(env);
    try {
      const app = createApp({ db, config, log, now: () => new Date(), poller: workerPollerDeps(db, config) });
      return await app.fetch(request);
    } finally {
      ctx.waitUntil(db.destroy());
    }
  },

  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const config = parseConfig(stringVars(env));
    const db = openDatabase(env);
    const run = async () => {
      // Idempotent and serialized by an advisory lock, so overlapping runs are harmless.
      await syncCategoryDefinitions(db, parseCategoryFiles(bundledCategoryFiles));
      const summary = await pollDue(workerPollerDeps(db, config), {
        concurrency: WORKER_CONCURRENCY,
        perHost: 2,
        batchSize: WORKER_BATCH,
        leaseSeconds: Math.ceil(config.fetchTimeoutMs / 1000) * 3 + 60,
        maxSources: WORKER_BATCH,
      });
      const pruned = await pruneArticles(db, new Date(), config.retentionDays);
      log.info('poll: scheduled run done', { polled: summary.polled, failed: summary.failed, pruned });
    };
    const done = run().finally(() => db.destroy());
    ctx.waitUntil(done);
    await done;
  },
};
