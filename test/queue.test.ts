// The database as the poll queue: claims, leases, lifecycle, retention — on each database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { pruneArticles } from '../src/store/retention.ts';
import { claimSources, recordPoll } from '../src/store/sources.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

function rss(prefix: string, n: number): string {
  const items = Array.from({ length: n }, (_, i) =>
    `<item><title>${prefix} story number ${i}</title><link>http://stories.test/${prefix}/${i}</link><guid>${prefix}-${i}</guid><description>Body of ${prefix} story ${i}, long enough to fingerprint this story apart.</description></item>`,
  ).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${prefix}</title><link>http://stories.test/${prefix}/</link><description>d</description>${items}</channel></rss>`;
}

describe.each(databases)('poll queue on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  const N = 12;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    for (let i = 0; i < N; i++) upstream.feed(`/s${i}.xml`, rss(`s${i}`, 3));
  });
  afterAll(async () => {
    await Promise.all([database?.close(), upstream?.close()]);
  });
  beforeEach(async () => {
    await sql`TRUNCATE categories, sources, articles, tombstones, fetches RESTART IDENTITY CASCADE`.execute(database.db);
    upstream.hits.clear();
    await syncCategoryDefinitions(database.db, [
      {
        slug: 'q',
        title: 'Q',
        description: '',
        language: null,
        file: 'feeds/q.yaml',
        sources: Array.from({ length: N }, (_, i) => ({ url: upstream.url(`/s${i}.xml`), title: null, intervalSeconds: null })),
      },
    ]);
  });

  it('gives each due source to one claimant, and back after the lease expires', async () => {
    const now = new Date(Date.now() + 1000);
    const [a, b] = await Promise.all([
      claimSources(database.db, { owner: 'a', now, limit: 8, leaseSeconds: 60 }),
      claimSources(database.db, { owner: 'b', now, limit: 8, leaseSeconds: 60 }),
    ]);
    const ids = [...a, ...b].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(N);
    expect(await claimSources(database.db, { owner: 'c', now, limit: 50, leaseSeconds: 60 })).toHaveLength(0);
    // A crashed poller never records; its leases expire and the sources come back.
    const later = new Date(now.getTime() + 61_000);
    expect(await claimSources(database.db, { owner: 'c', now: later, limit: 50, leaseSeconds: 60 })).toHaveLength(N);
  });

  it('only the lease holder records a result', async () => {
    const now = new Date(Date.now() + 1000);
    const [source] = await claimSources(database.db, { owner: 'a', now, limit: 1, leaseSeconds: 60 });
    const record = {
      status: 'ok' as const,
      fetchedAt: now,
      success: true,
      httpStatus: 200,
      error: null,
      consecutiveErrors: 0,
      scheduleHints: {},
      nextPollAt: new Date(now.getTime() + 3600_000),
    };
    await recordPoll(database.db, source!.id, 'intruder', record);
    let row = await database.db.selectFrom('sources').selectAll().where('id', '=', source!.id).executeTakeFirstOrThrow();
    expect(row.lease_owner).toBe('a');
    await recordPoll(database.db, source!.id, 'a', record);
    row = await database.db.selectFrom('sources').selectAll().where('id', '=', source!.id).executeTakeFirstOrThrow();
    expect(row.lease_owner).toBeNull();
    expect(row.next_poll_at.getTime()).toBe(record.nextPollAt.getTime());
  });

  it('never claims paused, gone, deleted or unlisted sources', async () => {
    const rows = await database.db.selectFrom('sources').select('id').orderBy('id').execute();
    const [p, g, d, u] = rows.map((r) => r.id);
    await database.db.updateTable('sources').set({ status: 'paused' }).where('id', '=', p!).execute();
    await database.db.updateTable('sources').set({ status: 'gone' }).where('id', '=', g!).execute();
    await database.db.updateTable('sources').set({ deleted_at: new Date() }).where('id', '=', d!).execute();
    await database.db.updateTable('sources').set({ in_config: false }).where('id', '=', u!).execute();
    const claimed = await claimSources(database.db, { owner: 'a', now: new Date(Date.now() + 1000), limit: 50, leaseSeconds: 60 });
    expect(claimed.map((s) => s.id)).not.toEqual(expect.arrayContaining([p, g, d, u]));
    expect(claimed).toHaveLength(N - 4);
  });

  it('two pollers running at once fetch each source once and store no duplicates', async () => {
    const [one, two] = await Promise.all([
      pollDue(testPollerDeps(database.db, { owner: 'one' }), { ...runAll, ignoreSchedule: false, batchSize: 3 }),
      pollDue(testPollerDeps(database.db, { owner: 'two' }), { ...runAll, ignoreSchedule: false, batchSize: 3 }),
    ]);
    expect(one.polled + two.polled).toBe(N);
    for (let i = 0; i < N; i++) expect(upstream.hits.get(`/s${i}.xml`)).toHaveLength(1);
    const counts = await database.db
      .selectFrom('articles')
      .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(DISTINCT url_hash)::int`.as('distinct')])
      .executeTakeFirstOrThrow();
    expect(counts).toEqual({ n: N * 3, distinct: N * 3 });
  });

  it('retention prunes by first-seen age and a pruned article never comes back', async () => {
    await pollDue(testPollerDeps(database.db), runAll);
    const before = await database.db.selectFrom('articles').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(before.n).toBe(N * 3);
    // Nothing is old yet.
    expect(await pruneArticles(database.db, new Date(), 90)).toBe(0);
    const future = new Date(Date.now() + 91 * 86_400_000);
    expect(await pruneArticles(database.db, future, 90)).toBe(N * 3);
    // Upstreams still carry every story; a new poll (bodies changed so they are re-parsed) skips them all.
    for (let i = 0; i < N; i++) upstream.feed(`/s${i}.xml`, rss(`s${i}`, 3).replace('<description>d</description>', '<description>changed</description>'));
    const summary = await pollDue(testPollerDeps(database.db), runAll);
    expect(summary.outcomes.every((o) => o.kind === 'new' && o.counts.new === 0 && o.counts.skipped === 3)).toBe(true);
    const after = await database.db.selectFrom('articles').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(0);
  });
});
