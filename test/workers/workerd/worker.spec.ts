// Inside workerd, with src/entry/worker.ts as the pool's main: a real Postgres database through the
// HYPERDRIVE binding (local mode), the Cache API and a local queue as Miniflare runs them, and real
// fetches to the fixture upstream on 127.0.0.1 (test/workers/upstream.ts). Nothing is mocked. The
// database was migrated and filled by the Node entry first (test/workers/global-setup.ts).
//
// Tests share the database and run in order; each uses its own upstream paths and asserts on the
// upstream's hit counts, so "fetched exactly once" is observed where it happens.
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, inject, it, vi } from 'vitest';
import { pgTypes } from '../../../src/entry/pg-types.ts';
import { createWorker, EdgeRenderCache, type Env, type PollMessage } from '../../../src/entry/worker.ts';
import { createLogger, silentLogger } from '../../../src/log.ts';
import { readFeedState } from '../../../src/store/feeds.ts';
import type { Database } from '../../../src/store/schema.ts';
import { claimSources, releaseLeases } from '../../../src/store/sources.ts';
import { ADMIN_TOKEN, PUBLIC_URL } from '../fixtures.ts';

const origin = inject('upstreamOrigin');
const edgeCategoryFile = [
  'slug: edge',
  'title: Edge fixture',
  'language: en',
  'sources:',
  // gzip-encoded: the runtime, not our code, decodes it on Workers.
  `  - url: ${origin}/feeds/edge-a.xml?gzip`,
  `  - url: ${origin}/feeds/edge-b.xml`,
  '',
].join('\n');
// What `wrangler deploy` would bundle if feeds/ held Node's tech.yaml and edge.yaml.
const bundle = [
  { name: 'feeds/edge.yaml', text: edgeCategoryFile },
  { name: 'feeds/tech.yaml', text: inject('techCategoryFile') },
];
const logLines: string[] = [];
const worker = createWorker({ categoryFiles: bundle, log: createLogger((_level, line) => logLines.push(line)) });
/** Without the queue binding the cron invocation polls itself (wrangler.toml's default environment). */
const direct: Env = { ...env, POLL_QUEUE: undefined };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

type Hits = Record<string, number>;

async function hits(): Promise<Hits> {
  return (await fetch(`${origin}/hits`)).json();
}

function delta(before: Hits, after: Hits, path: string): number {
  return (after[path] ?? 0) - (before[path] ?? 0);
}

/** A database handle of this test's own (connections cannot outlive an invocation on Workers). */
async function withDb<T>(run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: env.HYPERDRIVE.connectionString, max: 1, types: pgTypes });
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

function makeDue(db: Kysely<Database>, urlPattern: string) {
  return sql`UPDATE sources SET next_poll_at = now() - interval '1 minute' WHERE url LIKE ${urlPattern}`.execute(db);
}

async function cron(target = worker, bindings: Env = direct) {
  const ctx = createExecutionContext();
  await target.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`${PUBLIC_URL}${path}`, init);
}

async function titles(slug: string): Promise<string[]> {
  const feed = (await (await call(`/feeds/${slug}.json`)).json()) as { items: { title: string }[] };
  return feed.items.map((i) => i.title);
}

async function addSource(url: string, categories: string[]): Promise<{ source: { id: number }; poll: { result: string; new: number } }> {
  const response = await call('/admin/sources', { method: 'POST', headers: admin, body: JSON.stringify({ url, categories }) });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

const edgeCache = () => (caches as unknown as { default: Cache }).default;

describe('the worker in workerd', () => {
  it('serves the category the Node process filled, with the items Node served', async () => {
    const json = await call('/feeds/tech.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const feed = (await json.json()) as { items: { id: string }[] };
    expect(feed.items.map((i) => i.id)).toEqual(inject('nodeTechItemIds'));

    const rss = await call('/feeds/tech.rss');
    expect(rss.status).toBe(200);
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    // PUBLIC_URL from the bindings, as [vars] or --var give it.
    expect(await rss.text()).toContain('<atom:link rel="self" type="application/rss+xml" href="http://feeds.test/feeds/tech.rss"/>');
    const etag = rss.headers.get('etag')!;
    expect((await call('/feeds/tech.rss', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await call('/feeds/nope.rss')).status).toBe(404);
    expect((await call('/healthz')).status).toBe(200);
  });

  it('keeps renders in the Cache API under the content version, so an ingest invalidates them', async () => {
    const version = async () => (await withDb((db) => readFeedState(db, 'tech')))!.version;
    // The feed route's key for /feeds/tech.atom (routes/feeds.ts): format, limit, cursor.
    const keys = new EdgeRenderCache({
      cache: null,
      origin: PUBLIC_URL,
      publicUrl: PUBLIC_URL,
      deployment: env.CF_VERSION_METADATA?.id ?? '',
      defer: () => undefined,
      log: silentLogger,
    });
    const keyUrl = (v: string) => keys.keyUrl('tech.atom?50&', v);

    const ctx = createExecutionContext();
    const first = await worker.fetch(new Request(`${PUBLIC_URL}/feeds/tech.atom`), direct, ctx);
    expect(first.status).toBe(200);
    const rendered = await first.text();
    await waitOnExecutionContext(ctx); // the cache write runs in waitUntil
    const v1 = await version();
    expect(await (await edgeCache().match(keyUrl(v1)))?.text()).toBe(rendered);

    // Served from the cache: a marker stored under the current version comes back as the feed.
    const marker = new Response('cached render', {
      headers: { 'cache-control': 'max-age=600', 'x-feedrelay-etag': '"marker"', 'x-feedrelay-last-modified': new Date(0).toISOString() },
    });
    await edgeCache().put(keyUrl(v1), marker);
    const cached = await call('/feeds/tech.atom');
    expect(await cached.text()).toBe('cached render');
    expect(cached.headers.get('etag')).toBe('"marker"');

    // Any change to the category bumps its version in the database: a fresh render, no marker.
    await withDb((db) => sql`UPDATE categories SET version = nextval('content_version_seq') WHERE slug = 'tech'`.execute(db));
    expect(await version()).not.toBe(v1);
    const fresh = await (await call('/feeds/tech.atom')).text();
    expect(fresh).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(fresh).not.toBe('cached render');
  });

  it('scheduled() applies the bundled feeds/, polls the due sources from the upstream and leaves the rest', async () => {
    const before = await hits();
    await cron();
    const after = await hits();
    expect(delta(before, after, '/feeds/edge-a.xml')).toBe(1);
    expect(delta(before, after, '/feeds/edge-b.xml')).toBe(1);
    expect(delta(before, after, '/tech.xml')).toBe(0); // Node polled it moments ago: not due
    expect(await titles('edge')).toEqual(expect.arrayContaining(['edge-a story 1', 'edge-a story 2', 'edge-b story 1', 'edge-b story 2']));
    expect(logLines.join('\n')).toMatch(/poll: scheduled run done \{"polled":2,"failed":0,"dispatched":0/);

    const again = await hits();
    await cron();
    expect(delta(again, await hits(), '/feeds/edge-a.xml')).toBe(0);
  });

  it('overlapping cron runs and a Node poller holding a lease never fetch a source twice', async () => {
    // Slow answers (1.5 s) keep both runs inside their fetches at the same time.
    const added = await Promise.all([1, 2, 3, 4, 5].map((n) => addSource(`${origin}/feeds/ov-${n}.xml?slow`, ['edge'])));
    const heldId = added[0]!.source.id;
    await withDb(async (db) => {
      await makeDue(db, '%/feeds/ov-%');
      // What a Node poller's claim looks like (the same store function `npm start` uses).
      const held = await claimSources(db, { owner: 'node:test-poller', now: new Date(), limit: 1, leaseSeconds: 300, sourceId: heldId });
      expect(held).toHaveLength(1);
    });

    const before = await hits();
    await Promise.all([cron(), cron()]);
    const after = await hits();
    expect(delta(before, after, '/feeds/ov-1.xml')).toBe(0);
    for (const n of [2, 3, 4, 5]) expect(delta(before, after, `/feeds/ov-${n}.xml`), `ov-${n}`).toBe(1);

    // The Node poller gives its claim back unpolled: the next run polls that source, and only it.
    await withDb((db) => releaseLeases(db, 'node:test-poller', [heldId]));
    const next = await hits();
    await cron();
    const last = await hits();
    expect(delta(next, last, '/feeds/ov-1.xml')).toBe(1);
    for (const n of [2, 3, 4, 5]) expect(delta(next, last, `/feeds/ov-${n}.xml`)).toBe(0);
  });

  it('adds a source through the admin API, polls it now, and the cron polls it into its category', async () => {
    expect((await call('/admin/sources', { method: 'POST', body: '{}' })).status).toBe(401);
    const { source, poll } = await addSource(`${origin}/feeds/added.xml`, ['tech']);
    expect(poll).toMatchObject({ result: 'new', new: 2 });
    expect(await titles('tech')).toEqual(expect.arrayContaining(['added story 1', 'added story 2', 'Battery breakthrough']));

    const now = await call(`/admin/sources/${source.id}/poll`, { method: 'POST', headers: admin });
    expect(now.status).toBe(200);
    expect(((await now.json()) as { poll: { result: string } }).poll.result).toBe('unchanged');

    await withDb((db) => makeDue(db, '%/feeds/added.xml'));
    const before = await hits();
    await cron();
    expect(delta(before, await hits(), '/feeds/added.xml')).toBe(1);
    const tech = await titles('tech');
    expect(tech.filter((t) => t === 'added story 1')).toHaveLength(1);
  });

  it('decodes a feed declared GB2312 and sent as GBK bytes, as 科技日报 republishers send them', async () => {
    const { poll } = await addSource(`${origin}/gbk/zh.xml`, ['edge']);
    expect(poll).toMatchObject({ result: 'new', new: 2 });
    expect(await titles('edge')).toEqual(expect.arrayContaining(['zh 科技日报新闻 1', 'zh 科技日报新闻 2']));
  });

  it('fans out through Cloudflare Queues: the cron enqueues the due sources and the consumer polls them', async () => {
    const added = await Promise.all(['q-1', 'q-2'].map((name) => addSource(`${origin}/feeds/${name}.xml`, ['edge'])));
    await withDb((db) => makeDue(db, '%/feeds/q-%'));
    const before = await hits();
    await cron(worker, env); // env carries POLL_QUEUE: a local queue whose consumer is the main worker
    expect(logLines.join('\n')).toMatch(/poll: scheduled run done \{"polled":0,"failed":0,"dispatched":2/);
    await vi.waitUntil(
      async () => {
        const now = await hits();
        return delta(before, now, '/feeds/q-1.xml') === 1 && delta(before, now, '/feeds/q-2.xml') === 1;
      },
      { timeout: 15_000, interval: 100 },
    );
    const ids = added.map((a) => a.source.id);
    await vi.waitUntil(
      () => withDb(async (db) => (await db.selectFrom('sources').select('lease_owner').where('id', 'in', ids).execute()).every((s) => s.lease_owner === null)),
      { timeout: 15_000, interval: 100 },
    );
    expect(delta(before, await hits(), '/feeds/q-1.xml')).toBe(1);
  });

  it('a queue message delivered twice, late, or after another poll does not fetch again', async () => {
    const { source } = await addSource(`${origin}/feeds/dup.xml`, ['edge']);
    /** What the cron producer does: claim under a dispatch lease; returns the message it would send. */
    const dispatch = (owner: string) =>
      withDb(async (db) => {
        await makeDue(db, '%/feeds/dup.xml');
        const dispatchedAt = new Date();
        expect(await claimSources(db, { owner, now: dispatchedAt, limit: 1, leaseSeconds: 300, sourceId: source.id })).toHaveLength(1);
        return { sourceId: source.id, owner, dispatchedAt: dispatchedAt.toISOString() } satisfies PollMessage;
      });
    const deliver = async (body: PollMessage, ids: string[]) => {
      const batch = createMessageBatch<PollMessage>('feedrelay-poll-test', ids.map((id) => ({ id, timestamp: new Date(), attempts: 1, body })));
      const ctx = createExecutionContext();
      await worker.queue(batch, direct, ctx);
      return getQueueResult(batch, ctx);
    };
    const fetched = async (run: () => Promise<unknown>) => {
      const before = await hits();
      await run();
      return delta(before, await hits(), '/feeds/dup.xml');
    };

    // Two consumers get the same message at once: one fetch; both acknowledge.
    const first = await dispatch('worker:dispatch:first');
    let results: Awaited<ReturnType<typeof deliver>>[] = [];
    expect(await fetched(async () => (results = await Promise.all([deliver(first, ['m1']), deliver(first, ['m2'])])))).toBe(1);
    expect(results.flatMap((r) => r.explicitAcks).sort()).toEqual(['m1', 'm2']);
    // Redelivered after the poll: the dispatch lease is gone.
    expect(await fetched(() => deliver(first, ['m3']))).toBe(0);

    // Twice in one batch: one fetch.
    const second = await dispatch('worker:dispatch:second');
    let twice: Awaited<ReturnType<typeof deliver>> | undefined;
    expect(await fetched(async () => (twice = await deliver(second, ['m4', 'm5'])))).toBe(1);
    expect(twice!.explicitAcks.sort()).toEqual(['m4', 'm5']);
    expect(twice!.retryMessages).toEqual([]);

    // Fetched by someone else after the dispatch (the claim checks it, whatever the lease says).
    const third = await dispatch('worker:dispatch:third');
    await withDb((db) => sql`UPDATE sources SET last_fetched_at = now() + interval '1 second' WHERE id = ${source.id}`.execute(db));
    expect(await fetched(() => deliver(third, ['m6']))).toBe(0);
  });

  it('leaves categories from another feeds/ alone, and names a bad FEEDS_SYNC', async () => {
    const other = createWorker({
      categoryFiles: [{ name: 'feeds/other.yaml', text: `slug: other\ntitle: Other\nsources:\n  - url: ${origin}/feeds/other.xml\n` }],
      log: createLogger((_level, line) => logLines.push(line)),
    });
    const before = await hits();
    await cron(other);
    expect(delta(before, await hits(), '/feeds/other.xml')).toBe(0);
    expect((await call('/feeds/other.json')).status).toBe(404);
    expect((await call('/feeds/edge.json')).status).toBe(200);
    expect(logLines.join('\n')).toMatch(/feeds: the bundled feeds\/ shares no category with the database/);

    await expect(cron(worker, { ...direct, FEEDS_SYNC: 'sometimes' })).rejects.toThrow(/FEEDS_SYNC/);
  });
});
