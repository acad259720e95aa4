// Isolation under load. 100 upstreams that accept and then never answer (each holds its poller
// slot for the whole FETCH_TIMEOUT), on 100 loopback addresses 127.0.0.2–127.0.0.101 (distinct
// hosts, so the per-host limit is what it would be on the Internet), and one healthy upstream.
//
// "On time" for the healthy source means: it is claimed and fetched as soon as it is due and a
// poll run is going, however many slow sources are due with it — not after the slow crowd has
// been worked through. (The Node service starts a run every 30 s, so a source becomes due at most
// one tick before its run; that granularity is the same with or without the crowd.)
//
// Then subscribers hammer a running service's feeds for a bounded time while it polls that
// crowd: no 5xx, and the service's memory stays flat.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedDatabase } from '../../src/entry/database.ts';
import { createNodeFetch } from '../../src/entry/node-fetch.ts';
import { silentLogger } from '../../src/log.ts';
import { pollDue, type RunOptions } from '../../src/poller/run.ts';
import { syncCategoryDefinitions } from '../../src/store/catalog.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { testPollerDeps } from '../helpers/poller.ts';
import { startService, type Service } from '../helpers/processes.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { announceSkip, openFaultDatabase, postgresSupport, type FaultDatabase } from './helpers/private-postgres.ts';
import { median, QUICK, rss, sleep, swarm, treeRss, writeFeedsDir, type Item } from './helpers/world.ts';

const SLOW = 100;
const TIMEOUT_MS = 1_500;
const HAMMER_MS = QUICK ? 12_000 : 45_000;

announceSkip('faults/isolation', postgresSupport);

/** An HTTP server on `host` that reads each request and never answers it. */
async function silentServer(host: string): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer(() => {
    hits++;
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/feed.xml`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const healthyItems = (n: number, prefix = 'Healthy'): Item[] =>
  Array.from({ length: n }, (_, j) => ({
    title: `${prefix} story ${j}`,
    link: `http://stories.test/${prefix.toLowerCase()}/${j}`,
    guid: `${prefix}-${j}`,
    description: `${prefix} story ${j}, told at some length so that it has a body worth rendering in every format.`,
    pubDate: new Date(Date.UTC(2026, 0, 1, 0, j)),
  }));

describe.skipIf(postgresSupport.skip)('isolation under load', () => {
  let slow: Awaited<ReturnType<typeof silentServer>>[] = [];
  let healthy: Upstream;
  let database: FaultDatabase;

  beforeAll(async () => {
    database = await openFaultDatabase();
    slow = await Promise.all(Array.from({ length: SLOW }, (_, i) => silentServer(`127.0.0.${i + 2}`)));
    healthy = await startUpstream();
    healthy.feed('/healthy.xml', rss('Healthy', healthyItems(20)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(slow.map((s) => s.close()));
    await healthy?.close();
    await database?.close();
  });

  describe('1 healthy source among 100 slow ones', () => {
    let opened: OpenedDatabase;
    let db: Kysely<Database>;
    let healthyId: number;
    /** When the healthy upstream was last asked (ms since epoch). */
    let healthyAt: number[] = [];
    const options: RunOptions = { concurrency: 16, perHost: 2, batchSize: 50, leaseSeconds: 60 };
    const deps = () =>
      testPollerDeps(db, {
        fetcher: { fetch: createNodeFetch(['127.0.0.0/24']), timeoutMs: TIMEOUT_MS, maxBytes: 1 << 20, userAgent: 'feedrelay-test/0' },
      });

    beforeAll(async () => {
      opened = openPostgres(database.url, silentLogger, { max: 10 });
      db = opened.db;
      await migrateToLatest(db);
      // The healthy source is defined last: in due order it comes after the whole crowd.
      await syncCategoryDefinitions(db, [
        { slug: 'crowd', title: 'Crowd', description: '', language: null, file: 'feeds/crowd.yaml', sources: slow.map((s) => ({ url: s.url, title: null, intervalSeconds: null })) },
        { slug: 'fresh', title: 'Fresh', description: '', language: null, file: 'feeds/fresh.yaml', sources: [{ url: healthy.url('/healthy.xml'), title: null, intervalSeconds: null }] },
      ]);
      healthyId = (await db.selectFrom('sources').select('id').where('url', '=', healthy.url('/healthy.xml')).executeTakeFirstOrThrow()).id;
      healthy.route('/healthy.xml', (_req, res) => {
        healthyAt.push(Date.now());
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Healthy', healthyItems(20)));
      });
    });

    afterAll(async () => {
      await opened?.close();
    });

    const makeDue = async (slowDue: Date, healthyDue: Date) => {
      await db.updateTable('sources').set({ next_poll_at: slowDue }).where('id', '!=', healthyId).execute();
      await db.updateTable('sources').set({ next_poll_at: healthyDue }).where('id', '=', healthyId).execute();
    };

    it('first run (nothing known about any source): all are polled, the slow ones time out', async () => {
      const started = Date.now();
      healthyAt = [];
      const summary = await pollDue(deps(), options);
      expect(summary.polled).toBe(SLOW + 1);
      const failed = summary.outcomes.filter((o) => o.kind === 'error');
      expect(failed).toHaveLength(SLOW);
      expect(failed.every((o) => /deadline|timed? ?out/i.test(o.error ?? '')), failed[0]?.error ?? '').toBe(true);
      expect(summary.outcomes.find((o) => o.sourceId === healthyId)?.kind).toBe('new');
      // With no history the healthy source is one of 101 in due order (reported, not asserted).
      console.log(`isolation: cold run ${Date.now() - started} ms; healthy fetched after ${healthyAt[0]! - started} ms`);
    }, 60_000);

    it('the crowd due together with the healthy source: the healthy one is fetched at once', async () => {
      const now = new Date();
      await makeDue(new Date(now.getTime() - 60_000), now);
      healthyAt = [];
      const started = Date.now();
      const summary = await pollDue(deps(), options);
      const delay = healthyAt[0]! - started;
      console.log(`isolation: healthy fetched ${delay} ms after the run started (a fetch deadline is ${TIMEOUT_MS} ms)`);
      expect(summary.polled).toBe(SLOW + 1);
      // Starved, it would wait for ⌈100 / 16⌉ − 1 = 6 rounds of deadlines (~9 s).
      expect(delay).toBeLessThan(TIMEOUT_MS * 0.7);
      // The slow ones still all got their turn in the same run.
      expect(summary.outcomes.filter((o) => o.kind === 'error')).toHaveLength(SLOW);
    }, 60_000);

    it('the healthy source falling due in the middle of a run is fetched within one fetch deadline', async () => {
      const now = new Date();
      await makeDue(new Date(now.getTime() - 60_000), new Date(now.getTime() + 2_000));
      healthyAt = [];
      const summary = await pollDue(deps(), options);
      const late = healthyAt[0]! - (now.getTime() + 2_000);
      console.log(`isolation: healthy fetched ${late} ms after falling due mid-run`);
      expect(summary.outcomes.find((o) => o.sourceId === healthyId)?.kind).toMatch(/^(new|unchanged|not-modified)$/);
      expect(late).toBeGreaterThanOrEqual(0);
      // Claims happen as slots free up; the reserved slots are free, so the wait is at most until
      // the next slot frees (one deadline), never the rest of the crowd (~8 s).
      expect(late).toBeLessThan(TIMEOUT_MS + 1_000);
    }, 60_000);
  });

  describe('subscribers hammering a polling service', () => {
    let service: Service;
    let feedsRoot: string;
    let busy: Upstream;
    let busyPolls = 0;
    let serviceDb: FaultDatabase;

    beforeAll(async () => {
      // A source whose every fetch brings a new story: polled now and then through the admin
      // API during the hammering, so renders are invalidated under load.
      busy = await startUpstream();
      busy.route('/busy.xml', (_req, res) => {
        busyPolls++;
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Busy', healthyItems(5 + busyPolls, 'Busy')));
      });
      const feedsDir = await writeFeedsDir([
        { slug: 'news', sources: [{ url: healthy.url('/healthy.xml') }, { url: busy.url('/busy.xml') }] },
        { slug: 'crowd', sources: slow.map((s) => ({ url: s.url })) },
      ]);
      feedsRoot = dirname(feedsDir);
      serviceDb = await openFaultDatabase();
      service = await startService({
        DATABASE_URL: serviceDb.url,
        FEEDS_DIR: feedsDir,
        ALLOW_PRIVATE_UPSTREAMS: '127.0.0.0/24',
        FETCH_TIMEOUT: '3s',
        PUBLIC_URL: 'http://feeds.test',
        ADMIN_TOKEN: 'secret-token',
        // A bounded heap: V8 otherwise grows its old space lazily, which reads as a slow RSS creep
        // over a minute; bounded, garbage is collected, and a real leak shows as growth or as the
        // service dying of it (150 s at 64 MB ran flat at ~205 MB RSS).
        NODE_OPTIONS: '--max-old-space-size=128',
      });
    }, 120_000);

    afterAll(async () => {
      await service?.stop('SIGKILL');
      await busy?.close();
      await serviceDb?.close();
      if (feedsRoot) await rm(feedsRoot, { recursive: true, force: true });
    });

    it(`${HAMMER_MS / 1000} s of subscribers while polling runs: no 5xx, memory flat`, async () => {
      // The first tick is polling the crowd (nothing is known about any source yet, so the news
      // sources take their turn behind up to 100 × FETCH_TIMEOUT / 16 slots); wait for them.
      const deadline = Date.now() + 75_000;
      for (;;) {
        const res = await fetch(`${service.url}/feeds/news.json`);
        const body = (await res.json()) as { items: unknown[] };
        if (body.items.length >= 20) break;
        if (Date.now() > deadline) throw new Error(`news never filled:\n${service.output()}`);
        await sleep(250);
      }
      const sources = (await (await fetch(`${service.url}/admin/sources`, { headers: { authorization: 'Bearer secret-token' } })).json()) as { sources: { id: number; url: string }[] };
      const busyId = sources.sources.find((s) => s.url.endsWith('/busy.xml'))!.id;

      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(treeRss(service.child.pid!)), 500);
      // An operator asks for the busy source now and then: new stories land under load.
      let polledNow = 0;
      const poker = setInterval(() => {
        void fetch(`${service.url}/admin/sources/${busyId}/poll`, { method: 'POST', headers: { authorization: 'Bearer secret-token' } })
          .then((r) => r.arrayBuffer().then(() => r.status === 200 && polledNow++))
          .catch(() => undefined);
      }, 2_000);
      let random = 0;
      const paths = [
        '/feeds/news.rss', '/feeds/news.atom', '/feeds/news.json', '/feeds/all.rss', '/feeds/all.json',
        '/feeds/news.rss?limit=5', '/feeds/crowd.atom', '/category/news', '/', '/opml', '/healthz',
      ];
      // Every twelfth request names a feed that does not exist, each time another: 404s that must not pile up in memory.
      const pathAt = (i: number) => (i % (paths.length + 1) === paths.length ? `/feeds/nothing-${random++}.rss` : paths[i % (paths.length + 1)]!);
      const result = await swarm(service.url, pathAt, 12, HAMMER_MS);
      clearInterval(sampler);
      clearInterval(poker);

      const fiveHundreds = Object.entries(result.statuses).filter(([s]) => s === 'error' || Number(s) >= 500);
      console.log(`isolation: ${result.requests} requests, statuses ${JSON.stringify(result.statuses)}, max latency ${Math.round(result.maxLatencyMs)} ms, ${polledNow} polls now`);
      expect(fiveHundreds, result.failures.join('\n')).toEqual([]);
      expect(result.requests).toBeGreaterThan(HAMMER_MS / 100);
      expect(polledNow).toBeGreaterThan(0);
      expect(service.child.exitCode).toBeNull();

      // Memory: after a warm-up quarter, the last third's median against the first third's.
      const settled = samples.slice(Math.floor(samples.length / 4));
      const third = Math.max(1, Math.floor(settled.length / 3));
      const early = median(settled.slice(0, third));
      const late = median(settled.slice(-third));
      const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
      console.log(`isolation: service RSS early ${mb(early)}, late ${mb(late)}, peak ${mb(Math.max(...samples))}`);
      expect(late - early, `RSS grew from ${mb(early)} to ${mb(late)}`).toBeLessThan(Math.max(32 * 1048576, early * 0.15));
    }, 200_000);
  });
});

