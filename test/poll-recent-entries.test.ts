// The adaptive interval's count of recent entries (POLL_SCHEDULER=entry-frequency) comes back with
// the claim (store/sources.ts claimSources), so a poll needs no query of its own for it; a Source
// that was not claimed (the admin API's first poll) is still counted by pollSource, with the same
// result. With the default fixed scheduler nothing is counted and every source without an interval
// of its own is polled every POLL_INTERVAL.
import { randomUUID } from 'node:crypto';
import type { Kysely, KyselyPlugin } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { pollSource } from '../src/poller/poll-source.ts';
import { pollDue } from '../src/poller/run.ts';
import { entryFrequencyInterval } from '../src/scheduler/policy.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import type { Database } from '../src/store/schema.ts';
import { claimSources } from '../src/store/sources.ts';
import { databases } from './helpers/databases.ts';
import { categoryOf, useWorld } from './helpers/fixture-world.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';

const DAY = 86_400_000;

/** The same db, with the SQL of every statement it runs (transactions' included) appended to `into`. */
function recording(db: Kysely<Database>, into: string[]): Kysely<Database> {
  const executor = db.getExecutor();
  const plugin: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      into.push(executor.compileQuery(node, queryId).sql.replace(/\s+/g, ' ').trim());
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return db.withPlugin(plugin);
}

function feedOf(items: number, now: Date): string {
  const entries = Array.from(
    { length: items },
    (_, i) =>
      `<item><title>Story number ${i} of the recent entries test</title><link>http://recent.test/story/${i}</link>` +
      `<guid>recent-${i}</guid><description>Body of story ${i}, long enough to be a story of its own.</description>` +
      `<pubDate>${new Date(now.getTime() - i * 60_000).toUTCString()}</pubDate></item>`,
  );
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Recent</title><link>http://recent.test/</link><description>d</description>${entries.join('')}</channel></rss>`;
}

describe.each(databases)('recent entries counted by the claim on $name', (factory) => {
  const world = useWorld(factory);
  beforeEach(() => world.reset());

  const sourceIds = async () => (await world.database.db.selectFrom('sources').select(['id', 'url']).orderBy('id').execute()).map((s) => s.id);

  /** `n` provenance rows of the source, first seen `age` ago, each with an article of its own. */
  async function carried(sourceId: number, n: number, age: number, now: Date) {
    const at = new Date(now.getTime() - age);
    for (let i = 0; i < n; i++) {
      const article = await world.database.db
        .insertInto('articles')
        .values({ public_id: randomUUID(), title: `Seeded ${sourceId}/${age}/${i}`, published_at: at, updated_at: at, sort_at: at, first_seen_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      await world.database.db
        .insertInto('article_sources')
        .values({ source_id: sourceId, entry_hash: `seeded-${age}-${i}`, article_id: article.id, content_hash: 'x', first_seen_at: at, last_seen_at: at })
        .execute();
    }
  }

  it('returns with each claimed source its provenance rows first seen in the last week, on both claim paths', async () => {
    const now = new Date();
    await syncCategoryDefinitions(world.database.db, [categoryOf('r', [world.upstream.url('/a.xml'), world.upstream.url('/b.xml')])]);
    const [a, b] = await sourceIds();
    await carried(a!, 5, DAY, now);
    await carried(a!, 3, 8 * DAY, now);
    await carried(b!, 2, 7 * DAY - 60_000, now);
    const release = () => world.database.db.updateTable('sources').set({ lease_owner: null, lease_until: null }).execute();
    const counts = (claimed: { id: number; recent_entries: number | null }[]) => Object.fromEntries(claimed.map((s) => [s.id, s.recent_entries]));

    const plain = await claimSources(world.database.db, { owner: 'x', now, limit: 10, leaseSeconds: 60, ignoreSchedule: true });
    expect(counts(plain)).toEqual({ [a!]: 5, [b!]: 2 });
    await release();
    // The capped-erroring path (two queues merged) returns the same.
    const capped = await claimSources(world.database.db, { owner: 'x', now, limit: 10, leaseSeconds: 60, ignoreSchedule: true, maxErroring: 1 });
    expect(counts(capped)).toEqual({ [a!]: 5, [b!]: 2 });
    // A source with its own interval never reads the count: it is not computed.
    await release();
    await world.database.db.updateTable('sources').set({ interval_seconds: 600 }).where('id', '=', b!).execute();
    const fixed = await claimSources(world.database.db, { owner: 'x', now, limit: 10, leaseSeconds: 60, ignoreSchedule: true });
    expect(counts(fixed)).toEqual({ [a!]: 5, [b!]: null });
    // A claim that only hands the ids on (the Workers queue producer) counts nothing.
    await release();
    const statements: string[] = [];
    const handedOn = await claimSources(recording(world.database.db, statements), { owner: 'x', now, limit: 10, leaseSeconds: 60, ignoreSchedule: true, countRecentEntries: false });
    expect(counts(handedOn)).toEqual({ [a!]: null, [b!]: null });
    expect(statements.some((s) => /article_sources/.test(s))).toBe(false);
    expect(statements).toHaveLength(1);
  });

  it('takes the interval from the claimed count plus what the poll stored, with no query of its own', async () => {
    const now = new Date();
    world.upstream.feed('/first.xml', feedOf(60, now));
    world.upstream.feed('/second.xml', feedOf(60, now));
    world.upstream.feed('/third.xml', feedOf(60, now));
    await syncCategoryDefinitions(world.database.db, [
      categoryOf('r', [world.upstream.url('/first.xml'), world.upstream.url('/second.xml'), world.upstream.url('/third.xml')]),
    ]);
    const [first, second, third] = await sourceIds();
    for (const id of [first!, second!, third!]) await carried(id, 40, DAY, now);
    // 40 carried + 60 stored this poll = 100 entries in the week: every 6048 s (default 900, cap 6 h).
    const expected = now.getTime() + entryFrequencyInterval(100, 900) * 1000;
    expect(entryFrequencyInterval(100, 900)).toBe(6048);
    const nextPollOf = async (id: number) =>
      (await world.database.db.selectFrom('sources').select('next_poll_at').where('id', '=', id).executeTakeFirstOrThrow()).next_poll_at.getTime();

    // Claimed: the first source's 60 stories are new, the second's the same stories again (duplicates).
    const statements: string[] = [];
    const deps = testPollerDeps(recording(world.database.db, statements), { now: () => now, scheduler: 'entry-frequency' });
    for (const [id, kind] of [
      [first!, 'new'],
      [second!, 'duplicate'],
    ] as const) {
      statements.length = 0;
      const outcome = (await pollDue(deps, { ...runAll, sourceId: id })).outcomes[0]!;
      expect(outcome.counts[kind]).toBe(60);
      expect(await nextPollOf(id)).toBe(expected);
      const counting = statements.filter((s) => /count\(/i.test(s));
      expect(counting).toHaveLength(1);
      expect(counting[0]).toMatch(/^WITH async_commit AS .*UPDATE sources SET lease_owner/s);
    }

    // A 304 poll a second later: the claim and the record, nothing else.
    statements.length = 0;
    const later = new Date(now.getTime() + 1000);
    const unchanged = (await pollDue({ ...deps, now: () => later }, { ...runAll, sourceId: first! })).outcomes[0]!;
    expect(unchanged.kind).toBe('not-modified');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^WITH async_commit AS .*UPDATE sources SET lease_owner/s);
    expect(statements[1]).toMatch(/^WITH recorded AS \(UPDATE sources SET/);
    expect(await nextPollOf(first!)).toBe(expected + 1000);

    // Not claimed (a plain Source, leased as the admin API's new sources are): counted by the poll
    // itself, after its ingest, to the same value.
    await world.database.db.updateTable('sources').set({ lease_owner: deps.owner, lease_until: new Date(now.getTime() + 60_000) }).where('id', '=', third!).execute();
    statements.length = 0;
    const row = await world.database.db.selectFrom('sources').selectAll().where('id', '=', third!).executeTakeFirstOrThrow();
    const outcome = await pollSource(deps, row);
    expect(outcome.counts.duplicate).toBe(60);
    expect(statements.filter((s) => /count\(/i.test(s))).toHaveLength(1);
    expect(await nextPollOf(third!)).toBe(expected);
  });

  it('with the fixed scheduler (the default) polls every POLL_INTERVAL however much the source publishes, counting nothing', async () => {
    const now = new Date();
    world.upstream.feed('/busy.xml', feedOf(60, now));
    world.upstream.feed('/quiet.xml', feedOf(1, new Date(now.getTime() - 30 * DAY)));
    await syncCategoryDefinitions(world.database.db, [categoryOf('r', [world.upstream.url('/busy.xml'), world.upstream.url('/quiet.xml')])]);
    const [busy, quiet] = await sourceIds();
    await carried(busy!, 600, DAY, now);
    const statements: string[] = [];
    // random 0.5: no jitter, so the next poll is exactly the interval away.
    const deps = testPollerDeps(recording(world.database.db, statements), { now: () => now, defaultIntervalSeconds: 1200 });
    expect(deps.scheduler).toBe('fixed');
    const run = await pollDue(deps, runAll);
    expect(run.outcomes.map((o) => o.kind).sort()).toEqual(['new', 'new']);
    const rows = await world.database.db.selectFrom('sources').select(['id', 'next_poll_at']).execute();
    for (const id of [busy!, quiet!]) {
      expect(rows.find((r) => r.id === id)!.next_poll_at.getTime(), `source ${id}`).toBe(now.getTime() + 1200 * 1000);
    }
    expect(statements.filter((s) => /count\(/i.test(s))).toEqual([]);
    // The same sources under entry-frequency: the quiet one waits six hours, the busy one POLL_INTERVAL.
    const later = new Date(now.getTime() + 1000);
    const adaptive = testPollerDeps(world.database.db, { now: () => later, defaultIntervalSeconds: 1200, scheduler: 'entry-frequency' });
    expect((await pollDue(adaptive, runAll)).outcomes).toHaveLength(2);
    const after = await world.database.db.selectFrom('sources').select(['id', 'next_poll_at']).execute();
    expect(after.find((r) => r.id === quiet!)!.next_poll_at.getTime()).toBe(later.getTime() + 6 * 3600 * 1000);
    expect(after.find((r) => r.id === busy!)!.next_poll_at.getTime()).toBe(later.getTime() + 1200 * 1000);
  });
});
