// A poll's record and log line in one statement (store/sources.ts recordPollAndLog): the source
// row updated and released as recordPoll does, the log kept to its newest 50 lines as logFetch does.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { claimSources, logFetch, recordPoll, recordPollAndLog, type PollRecord } from '../src/store/sources.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';

describe.each(databases)('poll record and log on $name', (factory) => {
  let database: TestDatabase;
  let sourceId: number;
  const record = (i: number) => ({
    status: 'ok' as const,
    etag: `"e${i}"`,
    fetchedAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
    success: true,
    httpStatus: 304,
    error: null,
    consecutiveErrors: 0,
    scheduleHints: {},
    nextPollAt: new Date(Date.UTC(2026, 10, 1, 1, i)),
  });
  const entry = (i: number) => ({
    sourceId,
    startedAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
    durationMs: 3.4,
    url: 'http://record.test/feed.xml',
    httpStatus: 304,
    outcome: 'not-modified',
    error: null,
    bytes: null,
    newCount: 0,
    updatedCount: 0,
    duplicateCount: 0,
  });

  beforeAll(async () => {
    database = await factory.open();
    await syncCategoryDefinitions(database.db, [
      { slug: 'rec', title: 'Rec', description: '', language: null, file: 'feeds/rec.yaml', sources: [{ url: 'http://record.test/feed.xml', title: null, intervalSeconds: null }] },
    ]);
    sourceId = (await database.db.selectFrom('sources').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('updates and releases the source its poller holds, and logs the poll', async () => {
    const [claimed] = await claimSources(database.db, { owner: 'me', now: new Date(), limit: 1, leaseSeconds: 60, ignoreSchedule: true });
    expect(claimed?.id).toBe(sourceId);
    await recordPollAndLog(database.db, sourceId, 'me', record(0), entry(0));
    const row = await database.db.selectFrom('sources').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ etag: '"e0"', last_http_status: 304, lease_owner: null, lease_until: null });
    expect(row.next_poll_at.toISOString()).toBe('2026-11-01T01:00:00.000Z');
    const log = await database.db.selectFrom('fetches').selectAll().where('source_id', '=', sourceId).execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ outcome: 'not-modified', http_status: 304, duration_ms: 3 });
  });

  it('leaves a source another poller holds alone, but still logs', async () => {
    await database.db.updateTable('sources').set({ lease_owner: 'other', lease_until: new Date(Date.now() + 60_000) }).where('id', '=', sourceId).execute();
    await recordPollAndLog(database.db, sourceId, 'me', record(1), entry(1));
    const row = await database.db.selectFrom('sources').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ etag: '"e0"', lease_owner: 'other' });
    await database.db.updateTable('sources').set({ lease_owner: null, lease_until: null }).where('id', '=', sourceId).execute();
  });

  it('keeps the newest 50 log lines', async () => {
    for (let i = 2; i < 70; i++) await recordPollAndLog(database.db, sourceId, 'me', record(i), entry(i));
    const log = await database.db.selectFrom('fetches').select('started_at').where('source_id', '=', sourceId).orderBy('id').execute();
    expect(log).toHaveLength(50);
    expect(log[0]!.started_at.toISOString()).toBe(new Date(Date.UTC(2026, 10, 1, 0, 20)).toISOString());
    expect(log.at(-1)!.started_at.toISOString()).toBe(new Date(Date.UTC(2026, 10, 1, 0, 69)).toISOString());
  });

  it('commits records synchronously on both paths, and claims asynchronously, that transaction alone', async () => {
    // A deferred constraint trigger runs at commit, inside the committing transaction: it notes
    // the synchronous_commit that commit is made with.
    await sql`CREATE TABLE commit_settings (id serial PRIMARY KEY, setting text NOT NULL)`.execute(database.db);
    await sql`CREATE FUNCTION note_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO commit_settings (setting) VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$`.execute(database.db);
    await sql`CREATE CONSTRAINT TRIGGER note_commit_setting AFTER INSERT ON fetches DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION note_commit_setting()`.execute(database.db);
    try {
      // One connection throughout, so that what the server's session reports after each commit is
      // the setting the next statement would get.
      const after = await database.db.connection().execute(async (conn) => {
        const show = async () => (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(conn)).rows[0]!.synchronous_commit;
        const hold = () => conn.updateTable('sources').set({ lease_owner: 'me', lease_until: new Date(Date.now() + 60_000) }).where('id', '=', sourceId).execute();
        const before = await show();
        await hold();
        await recordPollAndLog(conn, sourceId, 'me', record(100), entry(100));
        const afterOne = await show();
        await hold();
        await recordPollAndLog(conn, sourceId, 'me', { ...record(101), url: 'http://record.test/moved.xml' }, entry(101));
        const afterTwo = await show();
        await logFetch(conn, entry(102));
        // Claims (both query shapes) commit asynchronously as well; the trigger on sources notes them.
        await sql`CREATE CONSTRAINT TRIGGER note_claim_setting AFTER UPDATE ON sources DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION note_commit_setting()`.execute(conn);
        const free = () => conn.updateTable('sources').set({ lease_owner: null, lease_until: null }).where('id', '=', sourceId).execute();
        await free();
        const claimedOne = await claimSources(conn, { owner: 'c1', now: new Date(), limit: 5, leaseSeconds: 60, ignoreSchedule: true });
        await free();
        const claimedTwo = await claimSources(conn, { owner: 'c2', now: new Date(), limit: 5, maxErroring: 1, leaseSeconds: 60, ignoreSchedule: true });
        const afterClaims = await show();
        await sql`DROP TRIGGER note_claim_setting ON sources`.execute(conn);
        expect([claimedOne.map((c) => c.id), claimedTwo.map((c) => c.id)]).toEqual([[sourceId], [sourceId]]);
        return { before, afterOne, afterTwo, afterClaims };
      });
      const noted = await sql<{ setting: string }>`SELECT setting FROM commit_settings ORDER BY id`.execute(database.db);
      // The single statement, the redirect's transaction and an ordinary statement (a record
      // releases a lease: losing one in a crash would strand it), then the two frees (ordinary
      // statements) each followed by a claim (a lost claim strands nothing).
      expect(noted.rows.map((r) => r.setting)).toEqual(['on', 'on', 'on', 'on', 'off', 'on', 'off']);
      expect(after).toEqual({ before: 'on', afterOne: 'on', afterTwo: 'on', afterClaims: 'on' });
      const row = await database.db.selectFrom('sources').select(['url', 'etag']).where('id', '=', sourceId).executeTakeFirstOrThrow();
      expect(row).toEqual({ url: 'http://record.test/moved.xml', etag: '"e101"' });
    } finally {
      await sql`DROP TRIGGER note_commit_setting ON fetches`.execute(database.db);
      await sql`DROP FUNCTION note_commit_setting()`.execute(database.db);
      await sql`DROP TABLE commit_settings`.execute(database.db);
    }
  });
});

// recordPollAndLog writes its one statement from cached fragments, one set per combination of the
// optional columns; recordPoll and logFetch build theirs with Kysely. Every combination, with
// values that SQL text would trip on, must leave the same row and log line.
describe.each(databases)('the one-statement record writes what recordPoll and logFetch write, on $name', (factory) => {
  let database: TestDatabase;
  let fast: number;
  let built: number;

  beforeAll(async () => {
    database = await factory.open();
    await syncCategoryDefinitions(database.db, [
      {
        slug: 'same', title: 'Same', description: '', language: null, file: 'feeds/same.yaml',
        sources: [
          { url: 'http://record.test/fast.xml', title: null, intervalSeconds: null },
          { url: 'http://record.test/built.xml', title: null, intervalSeconds: null },
        ],
      },
    ]);
    const ids = await database.db.selectFrom('sources').select(['id', 'url']).execute();
    fast = ids.find((r) => r.url.endsWith('fast.xml'))!.id;
    built = ids.find((r) => r.url.endsWith('built.xml'))!.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('for every combination of optional columns', async () => {
    const awkward = `it's "quoted" \\ back\\slash ? $1 {braces} 中文 😀`;
    for (let mask = 0; mask < 64; mask++) {
      const has = (bit: number) => (mask & (1 << bit)) !== 0;
      const at = new Date(Date.UTC(2026, 10, 1, 0, 0, mask));
      const record: PollRecord = {
        status: has(0) ? 'ok' : 'erroring',
        ...(has(1) ? { etag: mask % 3 === 0 ? null : `"${awkward}-${mask}"` } : {}),
        ...(has(2) ? { lastModified: mask % 5 === 0 ? null : at.toUTCString() } : {}),
        ...(has(3) ? { bodyHash: mask % 7 === 0 ? null : 'ab'.repeat(32) } : {}),
        ...(has(4) ? { feedTitle: `${awkward} ${mask}` } : {}),
        ...(has(5) ? { siteUrl: `http://record.test/site/${mask}?a=1&b=2` } : {}),
        fetchedAt: at,
        success: has(0),
        httpStatus: has(0) ? 200 : 503,
        error: has(0) ? null : `upstream said ${awkward}`,
        consecutiveErrors: has(0) ? 0 : mask,
        scheduleHints: has(2) ? { ttlSeconds: mask * 60, skipHours: [1, 2], retryAfterSeconds: 30 } : {},
        nextPollAt: new Date(at.getTime() + 900_000),
      };
      const entry = (sourceId: number) => ({
        sourceId, startedAt: at, durationMs: mask + 0.4, url: `http://record.test/${awkward}`, httpStatus: record.httpStatus,
        outcome: has(0) ? 'not-modified' : 'error', error: record.error, bytes: has(3) ? 1234 : null, newCount: mask, updatedCount: 1, duplicateCount: 2,
      });
      const hold = (id: number) => database.db.updateTable('sources').set({ lease_owner: 'me', lease_until: new Date(Date.now() + 60_000) }).where('id', '=', id).execute();
      await hold(fast);
      await hold(built);
      await recordPollAndLog(database.db, fast, 'me', record, entry(fast));
      await database.db.transaction().execute(async (tx) => {
        await recordPoll(tx, built, 'me', record);
        await logFetch(tx, entry(built));
      });
      const rows = await database.db.selectFrom('sources').selectAll().where('id', 'in', [fast, built]).execute();
      const comparable = ({ id: _id, url: _url, configured_url: _configured, updated_at: _updated, created_at: _created, ...rest }: (typeof rows)[number]) => rest;
      const [a, b] = [rows.find((r) => r.id === fast)!, rows.find((r) => r.id === built)!];
      expect(comparable(a), `mask ${mask}`).toEqual(comparable(b));
      expect(a.lease_owner).toBeNull();
      const logs = await database.db.selectFrom('fetches').selectAll().where('source_id', 'in', [fast, built]).orderBy('id', 'desc').limit(2).execute();
      const line = ({ id: _id, source_id: _source, ...rest }: (typeof logs)[number]) => rest;
      expect(logs.map((l) => l.source_id).sort()).toEqual([fast, built].sort());
      expect(line(logs[0]!), `mask ${mask}`).toEqual(line(logs[1]!));
      expect(line(logs[0]!).url).toBe(`http://record.test/${awkward}`);
    }
    // Each path kept its log to the newest 50.
    const counts = await database.db.selectFrom('fetches').select(['source_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source_id').execute();
    expect(counts.map((c) => Number(c.n))).toEqual([50, 50]);
  });
});

