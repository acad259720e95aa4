// Cloudflare Workers entry: the same createApp behind `fetch`; `scheduled` (the cron trigger)
// applies the bundled migrations and feeds/, then polls a bounded batch through the same database
// leases as Node; `queue` is the consumer when polling fans out through Cloudflare Queues
// (docs/edge.md). A pg connection cannot outlive its invocation on Workers ("Cannot perform I/O on
// behalf of a different request"), so every invocation opens its own pool through the Hyperdrive
// binding and closes it in waitUntil. Bindings come with each invocation and are passed down, never
// kept in module globals.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createApp, type FeedRenderCache } from '../app.ts';
import { ConfigError, parseConfig, type Config } from '../config.ts';
import { urlGuard } from '../fetcher/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { configuredPollerDeps, pollSource, type PollerDeps } from '../poller/poll-source.ts';
import { defaultRunOptions, pollDue } from '../poller/run.ts';
import type { RenderedFeed } from '../routes/render-cache.ts';
import { parseCategoryFiles, type CategoryDefinition } from '../sources/category-file.ts';
import { getLiveSource } from '../store/admin.ts';
import { listCategories, syncCategoryDefinitions } from '../store/catalog.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { pruneArticles } from '../store/retention.ts';
import type { Database, Source } from '../store/schema.ts';
import { claimSources, releaseLeases } from '../store/sources.ts';
import { VERSION } from '../version.ts';
import { bundledCategoryFiles } from './bundled-feeds.generated.ts';
import { pgTypes } from './pg-types.ts';

// The few Workers runtime types used here, declared locally: the project compiles against the DOM
// and Node types, which @cloudflare/workers-types would conflict with.
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}
export interface QueueProducer<Body> {
  sendBatch(messages: Iterable<{ body: Body }>): Promise<unknown>;
}
export interface QueueMessage<Body> {
  readonly id: string;
  readonly body: Body;
  readonly attempts: number;
  ack(): void;
  retry(): void;
}
export interface MessageBatch<Body> {
  readonly queue: string;
  readonly messages: readonly QueueMessage<Body>[];
}

/** One due source handed from the cron producer to a queue consumer, with the lease it holds. */
export interface PollMessage {
  sourceId: number;
  /** The dispatcher's lease owner. */
  owner: string;
  /** When it was claimed (ISO 8601): a source fetched since then is not fetched again. */
  dispatchedAt: string;
}

export interface Env {
  HYPERDRIVE: { connectionString: string };
  /** wrangler.toml [version_metadata]: which deployment is running (renders depend on the code). */
  CF_VERSION_METADATA?: { id: string };
  /** Present when polling fans out through Cloudflare Queues (wrangler.toml `[env.queues]`). */
  POLL_QUEUE?: QueueProducer<PollMessage>;
  /** `[vars]` and secrets: the same variables as Node (SPEC.md), plus FEEDS_SYNC. */
  [variable: string]: unknown;
}

type Files = { name: string; text: string }[];

// Limits. Workers allow 6 simultaneous outgoing connections per invocation: two database
// connections and four upstream fetches. One cron run claims a bounded batch, which keeps it inside
// the CPU (parsing a large feed costs ~9 ms), subrequest and wall-time limits; overlapping runs take
// disjoint batches through the leases, and what is left waits for the next run or, at scale, goes
// through the queue.
const DB_CONNECTIONS = 2;
const POLL_CONCURRENCY = 4;
const PER_HOST = 2;
const CRON_BATCH = 25;
/** A run stops claiming after this long, so it ends well before the next cron (every 5 minutes). */
const CLAIM_WINDOW_MS = 3 * 60_000;
/** Sources one cron run hands to the queue at most; sendBatch takes 100 messages a call. */
const DISPATCH_LIMIT = 500;
const SEND_BATCH = 100;
/** A dispatched source's lease covers the queue's delivery delay as well as the poll. */
const DISPATCH_LEASE_SECONDS = 15 * 60;
/** Renders are keyed by content version, so an entry never goes stale; it only ages out. */
const RENDER_TTL_SECONDS = 24 * 3600;

const consoleLog: Logger = createLogger((level, line) => {
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
});

/** parseConfig over the string bindings; PUBLIC_URL defaults to the origin the request came to. */
function configFrom(env: Env, origin?: string): Config {
  const vars: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') vars[name] = value;
  if (origin && !vars.PUBLIC_URL?.trim()) vars.PUBLIC_URL = origin;
  return parseConfig(vars);
}

function openDatabase(env: Env, log: Logger, max: number): Kysely<Database> {
  const connectionString = (env.HYPERDRIVE as { connectionString?: unknown } | undefined)?.connectionString;
  if (typeof connectionString !== 'string') {
    throw new ConfigError('HYPERDRIVE', 'no Hyperdrive binding named HYPERDRIVE (wrangler.toml [[hyperdrive]])');
  }
  // connectionTimeoutMillis also bounds the wait for a free pooled connection.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000, types: pgTypes });
  // pg-cloudflare emits "Stream was cancelled" whenever a socket ends, closing included; without a
  // listener it would throw. Only other errors are worth a line.
  pool.on('error', (error) => {
    if (!/stream was cancelled/i.test(error.message)) log.warn('database: connection error', { error: error.message });
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The runtime decodes gzip and brotli bodies itself; ask for nothing else (deflate). */
const workerFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('accept-encoding', 'gzip, br');
  return fetch(input, { ...init, headers });
};

function pollerDeps(db: Kysely<Database>, config: Config, log: Logger, role: string): PollerDeps {
  return configuredPollerDeps(config, {
    db,
    fetch: workerFetch,
    // Workers cannot see the address a connection reaches, so the guard judges what the URL
    // shows (address literals, localhost); ALLOW_PRIVATE_UPSTREAMS admits fixtures and intranets.
    checkUrl: urlGuard(config.allowPrivateUpstreams),
    log,
    owner: `worker:${role}:${crypto.randomUUID().slice(0, 8)}`,
  });
}

export interface EdgeRenderCacheOptions {
  /** caches.default; null renders every time. */
  cache: Cache | null;
  /** The origin requests arrive at: cache keys belong to the zone that serves them. */
  origin: string;
  publicUrl: string;
  /** The deployment's version id (CF_VERSION_METADATA), since the bytes depend on the code. */
  deployment: string;
  defer: (promise: Promise<unknown>) => void;
  log: Logger;
}

/**
 * Rendered feeds in the data centre's Cache API, keyed like the Node RenderCache by the feed key and
 * the content version read from the database, plus what else the bytes depend on (deployment,
 * PUBLIC_URL). An ingest anywhere bumps the version, so a stale render is never served; old entries
 * age out. (The Cache API does nothing on *.workers.dev: caching needs a custom domain or route.)
 */
export class EdgeRenderCache implements FeedRenderCache {
  constructor(private readonly options: EdgeRenderCacheOptions) {}

  keyUrl(key: string, version: string): string {
    const { origin, publicUrl, deployment } = this.options;
    const params = new URLSearchParams({ key, version, app: VERSION, deployment, base: publicUrl });
    return `${origin}/__feedrelay/render-cache?${params}`;
  }

  async get(key: string, version: string, render: () => Promise<RenderedFeed>): Promise<RenderedFeed> {
    const { cache, defer, log } = this.options;
    const url = this.keyUrl(key, version);
    const cached = await cache?.match(url).catch((error: unknown) => {
      log.warn('cache: lookup failed', { error: String(error) });
      return undefined;
    });
    const etag = cached?.headers.get('x-feedrelay-etag');
    const lastModified = cached?.headers.get('x-feedrelay-last-modified');
    if (cached && etag && lastModified) {
      return { body: new Uint8Array(await cached.arrayBuffer()), gzip: null, br: null, etag, lastModified: new Date(lastModified) };
    }
    const rendered = await render();
    if (cache) {
      const stored = new Response(rendered.body, {
        headers: {
          // Every render is UTF-8 text (XML or JSON); the feed's own type is set by the route.
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': `public, max-age=${RENDER_TTL_SECONDS}`,
          'x-feedrelay-etag': rendered.etag,
          'x-feedrelay-last-modified': rendered.lastModified.toISOString(),
        },
      });
      defer(cache.put(url, stored).catch((error: unknown) => log.warn('cache: store failed', { error: String(error) })));
    }
    return rendered;
  }
}

function defaultCache(): Cache | null {
  return (globalThis as { caches?: { default?: Cache } }).caches?.default ?? null;
}

type FeedsSync = 'auto' | 'on' | 'off';

function feedsSyncMode(env: Env): FeedsSync {
  const text = typeof env.FEEDS_SYNC === 'string' ? env.FEEDS_SYNC.trim().toLowerCase() : '';
  if (text === '') return 'auto';
  if (text === 'auto' || text === 'on' || text === 'off') return text;
  throw new ConfigError('FEEDS_SYNC', `"${text}" must be auto, on or off`);
}

/**
 * Makes the database follow the feeds/ bundled into this worker, as Node does with FEEDS_DIR at
 * start-up. In `auto` mode a bundle that shares no category with the database's file categories is
 * not applied: those came from another feeds/ (a Node instance with its own FEEDS_DIR on the same
 * database), and a sync would delete them all. FEEDS_SYNC=on applies it anyway; off never syncs.
 */
async function syncBundledFeeds(db: Kysely<Database>, definitions: CategoryDefinition[], mode: FeedsSync, log: Logger) {
  if (mode === 'off') return;
  if (mode === 'auto') {
    const inDatabase = (await listCategories(db)).filter((c) => c.origin === 'file').map((c) => c.slug);
    const bundled = new Set(definitions.map((d) => d.slug));
    if (inDatabase.length > 0 && !inDatabase.some((slug) => bundled.has(slug))) {
      // Info, not a warning: it is also how a deployment whose Node instances own feeds/ runs.
      log.info('feeds: the bundled feeds/ shares no category with the database, which another feeds/ configured; left as it is (FEEDS_SYNC=on applies the bundle)', {
        database: inDatabase,
        bundled: [...bundled],
      });
      return;
    }
  }
  const report = await syncCategoryDefinitions(db, definitions);
  for (const url of report.deletedSkipped) {
    log.warn('feeds: source is listed in feeds/ but was deleted through the admin API; not restoring it', { url });
  }
}

/** Runs `task` over `items`, at most `concurrency` at once and `perHost` per upstream host. */
async function runLimited<T>(items: T[], hostOf: (item: T) => string, concurrency: number, perHost: number, task: (item: T) => Promise<void>) {
  const waiting = [...items];
  const hosts = new Map<string, number>();
  const running = new Set<Promise<void>>();
  while (waiting.length > 0 || running.size > 0) {
    for (let i = 0; i < waiting.length && running.size < concurrency; ) {
      const item = waiting[i]!;
      const host = hostOf(item);
      if ((hosts.get(host) ?? 0) >= perHost) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
      const run: Promise<void> = task(item).finally(() => {
        hosts.set(host, (hosts.get(host) ?? 1) - 1);
        running.delete(run);
      });
      running.add(run);
    }
    if (running.size > 0) await Promise.race(running);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Cron producer: claims due sources under a dispatch lease and enqueues them. */
async function dispatchDue(db: Kysely<Database>, queue: QueueProducer<PollMessage>): Promise<number> {
  const owner = `worker:dispatch:${crypto.randomUUID().slice(0, 8)}`;
  const now = new Date();
  // Only the ids go on the queue; the consumer's own claim counts recent entries, where the
  // scheduler reads them (POLL_SCHEDULER=entry-frequency).
  const claimed = await claimSources(db, { owner, now, limit: DISPATCH_LIMIT, leaseSeconds: DISPATCH_LEASE_SECONDS, countRecentEntries: false });
  const dispatchedAt = now.toISOString();
  for (let i = 0; i < claimed.length; i += SEND_BATCH) {
    try {
      await queue.sendBatch(claimed.slice(i, i + SEND_BATCH).map((s) => ({ body: { sourceId: s.id, owner, dispatchedAt } })));
    } catch (error) {
      // What was not sent goes back to the queue of due sources at once.
      await releaseLeases(db, owner, claimed.slice(i).map((s) => s.id));
      throw error;
    }
  }
  return claimed.length;
}

export interface WorkerOptions {
  /** feeds/*.yaml as bundled at build time (scripts/bundle-feeds.mjs). */
  categoryFiles: Files;
  log?: Logger;
}

export function createWorker(options: WorkerOptions) {
  const log = options.log ?? consoleLog;

  async function scheduledRun(db: Kysely<Database>, env: Env, config: Config, feeds: { definitions: CategoryDefinition[]; mode: FeedsSync }) {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info('database: migrated', { applied });
    await syncBundledFeeds(db, feeds.definitions, feeds.mode, log);
    const started = Date.now();
    let polled = 0;
    let failed = 0;
    let dispatched = 0;
    if (env.POLL_QUEUE) {
      dispatched = await dispatchDue(db, env.POLL_QUEUE);
    } else {
      const summary = await pollDue(pollerDeps(db, config, log, 'cron'), {
        ...defaultRunOptions(config.fetchTimeoutMs),
        concurrency: POLL_CONCURRENCY,
        perHost: PER_HOST,
        batchSize: CRON_BATCH,
        maxSources: CRON_BATCH,
        signal: AbortSignal.timeout(CLAIM_WINDOW_MS),
      });
      polled = summary.polled;
      failed = summary.failed;
    }
    const pruned = await pruneArticles(db, new Date(), config.retentionDays);
    log.info('poll: scheduled run done', { polled, failed, dispatched, pruned, ms: Date.now() - started });
    return { polled, failed, dispatched, pruned };
  }

  async function consume(db: Kysely<Database>, batch: MessageBatch<PollMessage>, config: Config) {
    const deps = pollerDeps(db, config, log, 'queue');
    const { leaseSeconds } = defaultRunOptions(config.fetchTimeoutMs);
    // Read in a transaction: Hyperdrive never answers a transaction's reads from its query cache.
    const sources = await db.transaction().execute((tx) => Promise.all(batch.messages.map((m) => getLiveSource(tx, m.body.sourceId))));
    const work: { message: QueueMessage<PollMessage>; source: Source }[] = [];
    const seen = new Set<string>();
    batch.messages.forEach((message, i) => {
      const source = sources[i];
      const key = `${message.body.sourceId}/${message.body.owner}`;
      // A message whose dispatch lease is gone (the source was polled, or the lease expired and
      // another run took it) or repeated in this batch is acknowledged without a poll.
      if (source && source.lease_owner === message.body.owner && !seen.has(key)) work.push({ message, source });
      else message.ack();
      seen.add(key);
    });
    let polled = 0;
    await runLimited(work, (w) => hostOf(w.source.url), POLL_CONCURRENCY, PER_HOST, async ({ message, source }) => {
      try {
        // Hand the lease from the dispatcher to this consumer through the claim every poller uses.
        // The claim refuses a source fetched since the dispatch, so however two deliveries of one
        // message interleave, only one fetches.
        await releaseLeases(db, message.body.owner, [source.id]);
        const [claimed] = await claimSources(db, {
          owner: deps.owner,
          now: deps.now(),
          limit: 1,
          leaseSeconds,
          sourceId: source.id,
          notFetchedSince: new Date(message.body.dispatchedAt),
          countRecentEntries: deps.scheduler === 'entry-frequency',
        });
        if (claimed) {
          await pollSource(deps, claimed);
          polled++;
        }
        message.ack();
      } catch (error) {
        log.error('poll: queued poll failed; retrying', { source: source.url, error: String(error) });
        message.retry();
      }
    });
    log.info('poll: queue batch done', { messages: batch.messages.length, polled });
    return { polled };
  }

  return {
    async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
      const origin = new URL(request.url).origin;
      let config: Config;
      let db: Kysely<Database>;
      try {
        config = configFrom(env, origin);
        db = openDatabase(env, log, 1);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        log.error('config: the worker cannot serve', { error: error.message });
        return Response.json({ error: error.message }, { status: 500 });
      }
      try {
        const app = createApp({
          db,
          config,
          log,
          now: () => new Date(),
          poller: pollerDeps(db, config, log, 'http'),
          renderCache: new EdgeRenderCache({
            cache: defaultCache(),
            origin,
            publicUrl: config.publicUrl,
            deployment: env.CF_VERSION_METADATA?.id ?? '',
            defer: (p) => ctx.waitUntil(p),
            log,
          }),
        });
        return await app.fetch(request);
      } finally {
        ctx.waitUntil(db.destroy());
      }
    },

    async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
      const config = configFrom(env);
      if (!config.polling) {
        log.info('poll: POLLING is off; nothing to do');
        return;
      }
      // Configuration and feeds/ are checked before the database is touched, as on Node.
      const feeds = { definitions: parseCategoryFiles(options.categoryFiles), mode: feedsSyncMode(env) };
      const db = openDatabase(env, log, DB_CONNECTIONS);
      const done = scheduledRun(db, env, config, feeds).finally(() => db.destroy());
      ctx.waitUntil(done);
      await done;
    },

    async queue(batch: MessageBatch<PollMessage>, env: Env, ctx: ExecutionContext): Promise<void> {
      const config = configFrom(env);
      const db = openDatabase(env, log, DB_CONNECTIONS);
      const done = consume(db, batch, config).finally(() => db.destroy());
      ctx.waitUntil(done);
      await done;
    },
  };
}

export default createWorker({ categoryFiles: bundledCategoryFiles });
