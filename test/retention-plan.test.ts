// Retention asks for its next batch at the end of every `npm run poll` and every retention run,
// almost always to find nothing due. That question must be an index range scan whatever the
// planner's statistics say, not a read of the whole table (store/retention.ts oldestFirstSeen).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestFirstSeen, pruneArticles } from '../src/store/retention.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';

const now = new Date('2026-11-23T08:00:00Z');

describe.each(databases)('retention batch plan on $name', (factory) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await factory.open();
    // 20,000 articles first seen in the last days, never analyzed: a database minutes after a first poll.
    await sql`
      INSERT INTO articles (public_id, title, published_at, updated_at, sort_at, first_seen_at)
      SELECT gen_random_uuid(), 'title ' || g, ${now}, ${now}, ${now}, ${now}::timestamptz - g * interval '10 seconds'
      FROM generate_series(1, 20000) AS g`.execute(database.db);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it('reads the first-seen index, not the whole table, when nothing is due', async () => {
    const plan = (await oldestFirstSeen(database.db).explain()).map((r) => Object.values(r)[0]).join('\n');
    expect(plan).toMatch(/articles_first_seen_idx/);
    expect(plan).not.toMatch(/Seq Scan on articles/);
    expect(await pruneArticles(database.db, now, 90)).toBe(0);
  });

  it('still prunes every article that is due', async () => {
    // 1 day: the rows first seen more than a day before `now` (the oldest 11,360 of them).
    const pruned = await pruneArticles(database.db, now, 1);
    const left = await database.db.selectFrom('articles').select((eb) => [eb.fn.min('first_seen_at').as('oldest'), eb.fn.countAll().as('n')]).executeTakeFirstOrThrow();
    expect(pruned).toBe(20000 - 8640);
    expect(Number(left.n)).toBe(8640);
    expect(new Date(left.oldest as unknown as string).getTime()).toBeGreaterThanOrEqual(now.getTime() - 86_400_000);
  }, 60_000);
});
