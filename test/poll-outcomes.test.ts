// What a poll records on its source for each kind of upstream answer.
import { beforeEach, describe, expect, it } from 'vitest';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { claimSources } from '../src/store/sources.ts';
import { databases } from './helpers/databases.ts';
import { categoryOf, useWorld } from './helpers/fixture-world.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';

const body = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://o.test/</link><description>d</description>
<item><title>Only story here today</title><link>http://o.test/1</link><guid>1</guid></item></channel></rss>`;

describe.each(databases)('poll outcomes on $name', (factory) => {
  const world = useWorld(factory);
  beforeEach(() => world.reset());

  const setup = (path: string) =>
    syncCategoryDefinitions(world.database.db, [categoryOf('o', [world.upstream.url(path)], { intervalSeconds: 900 })]);
  const source = () => world.database.db.selectFrom('sources').selectAll().executeTakeFirstOrThrow();
  const poll = async () => (await pollDue(testPollerDeps(world.database.db), runAll)).outcomes[0]!;

  it('skips an unchanged body by its hash when the upstream sends no validators', async () => {
    world.upstream.route('/plain.xml', (_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body));
    await setup('/plain.xml');
    expect((await poll()).kind).toBe('new');
    const changedAt = (await world.database.db.selectFrom('articles').select('changed_at').executeTakeFirstOrThrow()).changed_at;
    const second = await poll();
    expect(second.kind).toBe('unchanged');
    expect(second.counts).toMatchObject({ new: 0, updated: 0, duplicate: 0 });
    expect((await world.database.db.selectFrom('articles').select('changed_at').executeTakeFirstOrThrow()).changed_at).toEqual(changedAt);
    expect(world.upstream.hits.get('/plain.xml')?.at(-1)?.headers['if-none-match']).toBeUndefined();
  });

  it('does not count a database failure during the ingest against the upstream', async () => {
    world.upstream.feed('/fine.xml', body);
    await setup('/fine.xml');
    // The connection drops as the articles are inserted (what a Postgres restart looks like).
    let fail = true;
    const failing = world.database.db.withPlugin({
      transformQuery(args) {
        const node = args.node as { kind: string; into?: { table?: { identifier?: { name?: string } } }; sqlFragments?: readonly string[] };
        // The articles insert, built by Kysely or written as SQL (store/articles.ts inserts new ones as arrays).
        const insertsArticles =
          (node.kind === 'InsertQueryNode' && node.into?.table?.identifier?.name === 'articles') ||
          (node.kind === 'RawNode' && /^\s*INSERT INTO articles\b/.test(node.sqlFragments?.join('') ?? ''));
        if (fail && insertsArticles) {
          throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        }
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    });
    const first = await pollDue(testPollerDeps(failing), runAll);
    expect(first.outcomes).toHaveLength(0);
    const after = await source();
    expect({ errors: after.consecutive_errors, status: after.status, fetched: after.last_fetched_at, lease: after.lease_owner }).toEqual({
      errors: 0,
      status: 'ok',
      fetched: null,
      lease: null,
    });
    fail = false;
    const second = await poll();
    expect(second).toMatchObject({ kind: 'new', counts: { new: 1 } });
  });

  it('marks a 410 source gone and never claims it again', async () => {
    world.upstream.route('/gone.xml', (_req, res) => void res.writeHead(410).end());
    await setup('/gone.xml');
    const outcome = await poll();
    expect(outcome.kind).toBe('gone');
    const row = await source();
    expect(row.status).toBe('gone');
    expect(row.last_error).toMatch(/410/);
    const later = new Date(Date.now() + 30 * 86_400_000);
    expect(await claimSources(world.database.db, { owner: 'x', now: later, limit: 10, leaseSeconds: 60 })).toHaveLength(0);
  });

  it('stores the new URL after a 301, and keeps the old one after a 302', async () => {
    world.upstream.feed('/new.xml', body);
    world.upstream.route('/moved.xml', (_req, res) => void res.writeHead(301, { location: '/new.xml' }).end());
    world.upstream.route('/found.xml', (_req, res) => void res.writeHead(302, { location: '/new.xml' }).end());
    await setup('/moved.xml');
    await poll();
    expect((await source()).url).toBe(world.upstream.url('/new.xml'));
    await world.reset();
    await setup('/found.xml');
    await poll();
    expect((await source()).url).toBe(world.upstream.url('/found.xml'));
  });

  it('honours Retry-After on 429 for that source, and backs off on repeated errors', async () => {
    world.upstream.route('/busy.xml', (_req, res) => void res.writeHead(429, { 'retry-after': '7200' }).end());
    await setup('/busy.xml');
    const before = Date.now();
    await poll();
    const row = await source();
    expect(row.status).toBe('erroring');
    expect(row.consecutive_errors).toBe(1);
    expect(row.next_poll_at.getTime() - before).toBeGreaterThanOrEqual(7200_000);
    expect(row.next_poll_at.getTime() - before).toBeLessThanOrEqual(7200_000 * 1.1 + 5_000);

    world.upstream.route('/busy.xml', (_req, res) => void res.writeHead(503).end());
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      await poll();
      delays.push((await source()).next_poll_at.getTime() - t);
    }
    expect((await source()).consecutive_errors).toBe(4);
    // 900 s doubling per error (±10 % jitter): 2 errors → 1800 s, 3 → 3600 s, 4 → 7200 s.
    expect(delays[1]! / delays[0]!).toBeGreaterThan(1.5);
    expect(delays[2]! / delays[1]!).toBeGreaterThan(1.5);
    // A success resets the count.
    world.upstream.feed('/busy.xml', body);
    await poll();
    expect(await source()).toMatchObject({ status: 'ok', consecutive_errors: 0, last_error: null });
  });
});
