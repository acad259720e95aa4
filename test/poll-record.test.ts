// A poll's record and log line in one statement (store/sources.ts recordPollAndLog): the source
// row updated and released as recordPoll does, the log kept to its newest 50 lines as logFetch does.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { claimSources, logFetch, recordPollAndLog } from '../src/store/sources.ts';
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
