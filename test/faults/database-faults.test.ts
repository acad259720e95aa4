// Database faults against a Postgres cluster this file creates (initdb + pg_ctl on a spare port of
// 127.0.0.1), so it can stop, crash and restart the server; the shared server on 5432 is never
// touched. The service runs as users run it (src/entry/node.ts in a child process, real HTTP),
// and polls real upstreams on 127.0.0.1.
//
// Without initdb/pg_ctl this file is skipped, saying so, except under CI=true, where it fails.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/entry/database.ts';
import { silentLogger } from '../../src/log.ts';
import { runEntry, startService, type Service } from '../helpers/processes.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import {
  announceSkip,
  clusterSupport,
  query,
  startPrivateCluster,
  waitForDatabase,
  type PrivateCluster,
} from './helpers/private-postgres.ts';
import { rss, sleep, writeFeedsDir, type Item } from './helpers/world.ts';

announceSkip('faults/database-faults');

async function status(url: string, init: RequestInit = {}): Promise<{ status: number; ms: number; etag: string | null; body: string }> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - started, etag: res.headers.get('etag'), body };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

describe.skipIf(clusterSupport.skip)('database faults on a private Postgres cluster', () => {
  let cluster: PrivateCluster;
  let upstream: Upstream;
  let feedsRoot: string;
  let feedsDir: string;
  let service: Service | null = null;
  let dbIndex = 0;
  const SOURCES = 40;
  const ITEMS = 25;
  /** Upstream latency per answer (ms); the restart test slows the upstreams down. */
  let latency = 0;

  const items = (i: number): Item[] =>
    Array.from({ length: ITEMS }, (_, j) => ({
      title: `Source ${i} story ${j}`,
      link: `http://stories.test/${i}/${j}`,
      guid: `s${i}-${j}`,
      description: `Story ${j} of source ${i}: a paragraph long enough to make a fingerprint of its own.`,
      pubDate: new Date(Date.UTC(2026, 0, 1, 0, j)),
    }));

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    upstream = await startUpstream();
    for (let i = 0; i < SOURCES; i++) {
      const body = rss(`Source ${i}`, items(i));
      upstream.route(`/s${i}.xml`, async (_req, res) => {
        if (latency) await sleep(latency);
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
      });
    }
    upstream.route('/slow.xml', async (_req, res) => {
      await sleep(3_000);
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Slow', items(999).slice(0, 3)));
    });
    feedsDir = await writeFeedsDir([
      { slug: 'news', sources: Array.from({ length: SOURCES }, (_, i) => ({ url: upstream.url(`/s${i}.xml`) })) },
    ]);
    feedsRoot = dirname(feedsDir);
  }, 120_000);

  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = null;
    if (cluster && !cluster.isRunning()) await cluster.start();
  });

  afterAll(async () => {
    await upstream?.close();
    await cluster?.destroy();
    if (feedsRoot) await rm(feedsRoot, { recursive: true, force: true });
  });

  const freshDatabase = () => cluster.createDatabase(`faults_${++dbIndex}`);
  const envFor = (url: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: url,
    FEEDS_DIR: feedsDir,
    ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1',
    FETCH_TIMEOUT: '5s',
    PUBLIC_URL: 'http://feeds.test',
    ADMIN_TOKEN: 'secret-token',
    ...extra,
  });
  const count = async (url: string, sql: string) => Number((await query<{ n: number }>(url, sql))[0]!.n);

  it('the pool bounds its waits and every statement runs under statement_timeout', async () => {
    const url = await freshDatabase();
    const opened = openPostgres(url, silentLogger, { max: 1, connectionTimeoutMillis: 300, statementTimeoutMillis: 400 });
    try {
      const shown = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(opened.db);
      expect(shown.rows[0]!.statement_timeout).toBe('400ms');
      // A statement over the limit is cancelled by the server.
      let started = performance.now();
      await expect(sql`SELECT pg_sleep(5)`.execute(opened.db)).rejects.toThrow(/statement timeout/);
      expect(performance.now() - started).toBeLessThan(3_000);
      // With the only connection held, a second query gives up after connectionTimeoutMillis.
      const holding = opened.db.transaction().execute(async (tx) => {
        await sql`SELECT pg_sleep(0.3)`.execute(tx);
        await sleep(1_500);
      });
      await sleep(100);
      started = performance.now();
      await expect(opened.db.selectFrom('sources').select('id').execute()).rejects.toThrow(/timeout/i);
      expect(performance.now() - started).toBeLessThan(1_500);
      await holding;
    } finally {
      await opened.close();
    }
    // The entry's defaults: 30 s per statement, 5 s to wait for a connection.
    const defaults = openPostgres(url, silentLogger);
    try {
      const shown = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(defaults.db);
      expect(shown.rows[0]!.statement_timeout).toBe('30s');
    } finally {
      await defaults.close();
    }
  });

  it('a connection that dies while checked out (between two statements) does not kill the process', async () => {
    const url = await freshDatabase();
    const result = await runEntry('test/faults/fixtures/connection-dies.ts', [url], {});
    expect(result.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('survived; pool answers 1');
    expect(result.stderr).toMatch(/database: connection lost/);
  });

  it('/healthz answers 503 while the database is down and 200 again after; feeds stay served from the cache', async () => {
    const url = await freshDatabase();
    const env = envFor(url, { POLLING: 'off' });
    const poll = await runEntry('src/entry/poll.ts', ['--all'], env);
    expect(poll.code, poll.stderr).toBe(0);
    service = await startService(env);
    const warm = await status(`${service.url}/feeds/news.rss`);
    expect(warm.status).toBe(200);

    await cluster.stop('fast');
    const down = await until('a 503 from /healthz', async () => {
      const h = await status(`${service!.url}/healthz`);
      return h.status === 503 ? h : null;
    }, 10_000);
    expect(down.ms).toBeLessThan(5_000);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'unavailable' });
    // The feed's content cannot have changed with no database: the last render is served.
    await sleep(1_200); // past the feed-state memo
    const stale = await status(`${service.url}/feeds/news.rss`);
    expect(stale.status).toBe(200);
    expect(stale.etag).toBe(warm.etag);
    expect(stale.ms).toBeLessThan(5_000);
    // Pages and the admin API need the database: a 503 saying so, with Retry-After (not a 500).
    for (const path of ['/', '/category/news']) {
      const page = await fetch(`${service.url}${path}`, { signal: AbortSignal.timeout(30_000) });
      expect({ path, status: page.status, retryAfter: page.headers.get('retry-after') }).toEqual({ path, status: 503, retryAfter: '10' });
      expect(await page.text()).toMatch(/database is unavailable/i);
    }
    expect(service.child.exitCode).toBeNull();

    await cluster.start();
    await until('a 200 from /healthz', async () => (await status(`${service!.url}/healthz`)).status === 200, 20_000, 250);
    expect((await status(`${service.url}/feeds/news.rss`)).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
    expect(await service.stop()).toBe(0);
    service = null;
  }, 90_000);

  it('Postgres restarted mid-ingest: the service survives, committed articles stay, the next poll completes, no duplicates', async () => {
    const url = await freshDatabase();
    latency = 120;
    try {
      const env = envFor(url);
      service = await startService(env);
      // The first tick polls all 40 sources (two at a time: one upstream host). Crash the server
      // once some, not all, articles are committed.
      const committed = await until(
        'some articles committed',
        async () => {
          const rows = await query<{ public_id: string }>(url, 'SELECT public_id FROM articles');
          return rows.length >= ITEMS * 3 ? rows.map((r) => r.public_id) : null;
        },
        30_000,
        50,
      );
      expect(committed.length).toBeLessThan(SOURCES * ITEMS);
      await cluster.stop('immediate');
      await sleep(1_000);
      await cluster.start();
      await waitForDatabase(url);

      // The process is alive and healthy again.
      await until('a 200 from /healthz', async () => (await status(`${service!.url}/healthz`)).status === 200, 20_000, 250);
      expect(service.child.exitCode, service.output()).toBeNull();
      // Every article committed before the crash is still there.
      const after = new Set((await query<{ public_id: string }>(url, 'SELECT public_id FROM articles')).map((r) => r.public_id));
      expect(committed.filter((id) => !after.has(id))).toEqual([]);
      // The interrupted cycle ends and hands back the claims it could not record.
      await until('no source left leased', async () => (await count(url, 'SELECT count(*)::int AS n FROM sources WHERE lease_owner IS NOT NULL')) === 0, 30_000, 250);

      // The next poll completes: every source, no failures.
      const next = await runEntry('src/entry/poll.ts', ['--all'], envFor(url));
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toMatch(/polled \d+ source\(s\)/);
      expect(next.stdout).not.toMatch(/✗/);
      const [totals] = await query<Record<string, number>>(
        url,
        `SELECT (SELECT count(*)::int FROM articles) AS articles,
                (SELECT count(DISTINCT url_hash)::int FROM articles) AS distinct_urls,
                (SELECT count(*)::int FROM article_sources) AS provenance,
                (SELECT count(*)::int FROM category_articles) AS listed,
                (SELECT count(*)::int FROM sources WHERE last_success_at IS NULL OR status <> 'ok') AS unhealthy`,
      );
      expect(totals).toEqual({ articles: SOURCES * ITEMS, distinct_urls: SOURCES * ITEMS, provenance: SOURCES * ITEMS, listed: SOURCES * ITEMS, unhealthy: 0 });
      // The feed shows them, and the service never went down.
      const feed = await status(`${service.url}/feeds/news.json?limit=100`);
      expect(feed.status).toBe(200);
      expect(JSON.parse(feed.body).items).toHaveLength(100);
      expect(service.child.exitCode, service.output()).toBeNull();
      expect(await service.stop()).toBe(0);
      service = null;
    } finally {
      latency = 0;
    }
  }, 120_000);

  it('pool exhausted: waits are bounded by connectionTimeoutMillis and feeds are still served from the cache', async () => {
    const url = await freshDatabase();
    const env = envFor(url, { POLLING: 'off' });
    const poll = await runEntry('src/entry/poll.ts', ['--all'], env);
    expect(poll.code, poll.stderr).toBe(0);
    service = await startService(env);
    const warmRss = await status(`${service.url}/feeds/news.rss`);
    const warmJson = await status(`${service.url}/feeds/news.json`);
    expect([warmRss.status, warmJson.status]).toEqual([200, 200]);

    // Another client holds a lock every category read waits on: each page request then holds one
    // of the pool's 10 connections, blocked.
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE categories IN ACCESS EXCLUSIVE MODE');
      const holders = Array.from({ length: 10 }, (_, i) => status(`${service!.url}/category/news?limit=${i + 1}`));
      await until('all 10 connections blocked', async () => (await count(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) >= 10, 10_000);

      // The pool is empty: a request needing a connection gives up after connectionTimeoutMillis (5 s)…
      const waiting = await status(`${service.url}/category/news?limit=20`);
      expect(waiting.status).toBeGreaterThanOrEqual(500);
      expect(waiting.ms).toBeGreaterThan(4_000);
      expect(waiting.ms).toBeLessThan(9_000);
      // …while the feeds subscribers poll are still answered, from the render cache.
      const cachedRss = await status(`${service.url}/feeds/news.rss`);
      const cachedJson = await status(`${service.url}/feeds/news.json`, { headers: { 'if-none-match': warmJson.etag! } });
      expect(cachedRss.status).toBe(200);
      expect(cachedRss.etag).toBe(warmRss.etag);
      expect(cachedRss.ms).toBeLessThan(6_000);
      expect(cachedJson.status).toBe(304);
      expect(service.child.exitCode).toBeNull();

      await locker.query('ROLLBACK');
      const finished = await Promise.all(holders);
      expect(finished.map((f) => f.status)).toEqual(Array(10).fill(200));
    } finally {
      await locker.end().catch(() => undefined);
    }
    await until('a 200 from /healthz', async () => (await status(`${service!.url}/healthz`)).status === 200, 10_000);
    expect((await status(`${service.url}/category/news?limit=20`)).status).toBe(200);
    expect(await service.stop()).toBe(0);
    service = null;
  }, 90_000);

  it('no transaction stays open across an upstream fetch', async () => {
    const url = await freshDatabase();
    const slowFeeds = await writeFeedsDir([{ slug: 'slow', sources: [{ url: upstream.url('/slow.xml') }] }], `${feedsRoot}/slow`);
    service = await startService({ ...envFor(url), FEEDS_DIR: slowFeeds });
    // The poller claimed the source (committed: we can see the lease) and is waiting on the upstream.
    await until('the upstream to be asked', async () => (upstream.hits.get('/slow.xml')?.length ?? 0) > 0, 20_000, 20);
    const samples: { state: string; xact_age: number | null }[] = [];
    const until2s = Date.now() + 2_400;
    let leaseSeen = false;
    while (Date.now() < until2s) {
      const rows = await query<{ state: string; xact_age: number | null }>(
        url,
        `SELECT state, extract(epoch FROM now() - xact_start)::float AS xact_age FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      samples.push(...rows);
      leaseSeen ||= (await count(url, 'SELECT count(*)::int AS n FROM sources WHERE lease_owner IS NOT NULL')) === 1;
      await sleep(100);
    }
    expect(leaseSeen).toBe(true);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((s) => s.state.startsWith('idle in transaction') || (s.xact_age ?? 0) > 0.5)).toEqual([]);
    await until('the slow source stored', async () => (await count(url, 'SELECT count(*)::int AS n FROM articles')) === 3, 15_000, 200);
    expect(await service.stop()).toBe(0);
    service = null;
  }, 60_000);
});
