// Sources as a work queue: claims with expiring leases, poll results, the fetch log.
import { sql, type Kysely } from 'kysely';
import type { Database, ScheduleHints, Source, SourceStatus } from './schema.ts';

export interface ClaimOptions {
  owner: string;
  now: Date;
  limit: number;
  leaseSeconds: number;
  /** Claim sources whether or not they are due (`npm run poll -- --all`). */
  ignoreSchedule?: boolean;
  /** Claim only this source (`--source URL`, poll-now). */
  sourceId?: number;
  /** Skip sources fetched at or after this time (one pass of an ignoreSchedule run). */
  notFetchedSince?: Date;
  /** At most this many of the claimed sources may be in an error streak (the poller's reserve). */
  maxErroring?: number;
  /**
   * False where no poll will read the count: a claim that hands its ids on (the Workers queue
   * producer; the consumer claims each again), or POLL_SCHEDULER=fixed. recent_entries is then null
   * for all.
   */
  countRecentEntries?: boolean;
}

/** How far back the entries counted for the adaptive poll interval go (scheduler/policy.ts). */
export const RECENT_ENTRIES_WINDOW_MS = 7 * 86_400_000;

/**
 * A claimed source with its provenance rows first seen in the RECENT_ENTRIES_WINDOW_MS before the
 * claim: the poll needs that count for its next interval, and asking for it here saves every poll
 * a round trip of its own (docs/performance.md). Null for a source with its own interval, which
 * never reads it.
 */
export type ClaimedSource = Source & { recent_entries: number | null };

// Claims commit asynchronously (synchronous_commit off for that statement's transaction alone):
// a claim waited ~2.5 ms for its WAL flush. The WAL writer flushes it within three
// wal_writer_delay (600 ms by default), and any later synchronous commit flushes it first (WAL is
// flushed in order), so what a database crash can lose is the last fraction of a second of claims
// — and a lost claim strands nothing: its poller's record (`lease_owner = owner`) then updates no
// row, so the source stays due and is polled again, and a source polled twice stores its entries
// once (ingest's advisory locks and provenance key). Articles and poll records commit
// synchronously. The CTE holding the setting is read by the statement, or Postgres would never
// evaluate it (set_config(…, true) lasts until the end of the statement's own transaction, whose
// commit reads it).
const ASYNC_COMMIT = sql`SELECT set_config('synchronous_commit', 'off', true) AS setting`;

/**
 * Claims up to `limit` pollable sources. `FOR UPDATE SKIP LOCKED` keeps concurrent pollers off
 * each other's rows; the lease keeps them off after commit, and expires so a crashed poller's
 * claims come back.
 */
export async function claimSources(db: Kysely<Database>, options: ClaimOptions): Promise<ClaimedSource[]> {
  const { owner, now, limit, leaseSeconds } = options;
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000);
  // Counted only where the adaptive interval will read it: a source with its own interval never does.
  const claimedColumns =
    options.countRecentEntries === false
      ? sql`*, NULL::int AS recent_entries`
      : sql`*, CASE WHEN interval_seconds IS NULL THEN (
        SELECT count(*)::int FROM article_sources a
        WHERE a.source_id = sources.id AND a.first_seen_at >= ${new Date(now.getTime() - RECENT_ENTRIES_WINDOW_MS)}
      ) END AS recent_entries`;
  const claimable = sql`deleted_at IS NULL
        AND status NOT IN ('paused', 'gone')
        AND (in_config OR added_by_api)
        AND (lease_until IS NULL OR lease_until < ${now})
        ${options.ignoreSchedule || options.sourceId !== undefined ? sql`` : sql`AND next_poll_at <= ${now}`}
        ${options.sourceId !== undefined ? sql`AND id = ${options.sourceId}` : sql``}
        ${options.notFetchedSince ? sql`AND (last_fetched_at IS NULL OR last_fetched_at < ${options.notFetchedSince})` : sql``}`;
  if (options.maxErroring !== undefined && options.maxErroring < limit) {
    // Two due-ordered queues, the erroring one capped; merged back in due order.
    const result = await sql<ClaimedSource>`
      WITH async_commit AS (${ASYNC_COMMIT}), healthy AS (
        SELECT id, next_poll_at FROM sources WHERE ${claimable} AND consecutive_errors = 0
        ORDER BY next_poll_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), erroring AS (
        SELECT id, next_poll_at FROM sources WHERE ${claimable} AND consecutive_errors > 0
        ORDER BY next_poll_at, id LIMIT ${options.maxErroring} FOR UPDATE SKIP LOCKED
      ), chosen AS (
        SELECT id FROM (SELECT * FROM healthy UNION ALL SELECT * FROM erroring) AS due
        ORDER BY next_poll_at, id LIMIT ${limit}
      )
      UPDATE sources SET lease_owner = ${owner}, lease_until = ${leaseUntil}
      WHERE id IN (SELECT id FROM chosen) AND (SELECT setting FROM async_commit) IS NOT NULL
      RETURNING ${claimedColumns}`.execute(db);
    return result.rows;
  }
  const result = await sql<ClaimedSource>`
    WITH async_commit AS (${ASYNC_COMMIT})
    UPDATE sources SET lease_owner = ${owner}, lease_until = ${leaseUntil}
    WHERE (SELECT setting FROM async_commit) IS NOT NULL AND id IN (
      SELECT id FROM sources
      WHERE ${claimable}
      ORDER BY next_poll_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING ${claimedColumns}`.execute(db);
  return result.rows;
}

export interface PollRecord {
  status: SourceStatus;
  url?: string;
  etag?: string | null;
  lastModified?: string | null;
  bodyHash?: string | null;
  feedTitle?: string | null;
  siteUrl?: string | null;
  fetchedAt: Date;
  success: boolean;
  httpStatus: number | null;
  error: string | null;
  consecutiveErrors: number;
  scheduleHints: ScheduleHints;
  nextPollAt: Date;
}

/** Stores a poll's outcome and releases the lease, if this poller still holds it. */
export async function recordPoll(db: Kysely<Database>, sourceId: number, owner: string, record: PollRecord): Promise<void> {
  record = await withoutTakenUrl(db, sourceId, record);
  await db
    .updateTable('sources')
    .set({ ...pollColumns(record), lease_owner: null, lease_until: null, updated_at: sql<Date>`now()` })
    .where('id', '=', sourceId)
    .where('lease_owner', '=', owner)
    .execute();
}

/** A permanent redirect onto a URL another source already polls: keep ours, the other wins. */
async function withoutTakenUrl(db: Kysely<Database>, sourceId: number, record: PollRecord): Promise<PollRecord> {
  if (record.url === undefined) return record;
  const taken = await db.selectFrom('sources').select('id').where('url', '=', record.url).where('id', '!=', sourceId).executeTakeFirst();
  return taken ? { ...record, url: undefined } : record;
}

/** The columns a record writes besides releasing the lease; which optional ones depends on the poll. */
function pollColumns(record: PollRecord) {
  return {
    status: record.status,
    ...(record.url !== undefined ? { url: record.url } : {}),
    ...(record.etag !== undefined ? { etag: record.etag } : {}),
    ...(record.lastModified !== undefined ? { last_modified: record.lastModified } : {}),
    ...(record.bodyHash !== undefined ? { body_hash: record.bodyHash } : {}),
    ...(record.feedTitle ? { feed_title: record.feedTitle } : {}),
    ...(record.siteUrl ? { site_url: record.siteUrl } : {}),
    last_fetched_at: record.fetchedAt,
    ...(record.success ? { last_success_at: record.fetchedAt } : {}),
    last_http_status: record.httpStatus,
    last_error: record.error,
    consecutive_errors: record.consecutiveErrors,
    schedule_hints: JSON.stringify(record.scheduleHints),
    next_poll_at: record.nextPollAt,
  };
}

/**
 * recordPoll and logFetch as one statement (data-modifying CTEs): one round trip for what every
 * poll does — a cycle of 10,000 mostly-304 sources spends most of its time on these
 * (docs/performance.md). A redirect to check first takes the two-statement way, in a transaction.
 *
 * The record commits synchronously, unlike the claim: it releases the lease, and a record lost in
 * a database crash would leave a lease its poller believes released — the source stuck until the
 * lease expires, never handed back (faults/database-faults.test.ts found exactly that when this
 * commit was asynchronous). A lost claim strands nothing (see claimSources).
 */
export async function recordPollAndLog(db: Kysely<Database>, sourceId: number, owner: string, record: PollRecord, entry: FetchLogEntry): Promise<void> {
  if (record.url !== undefined) {
    await db.transaction().execute(async (tx) => {
      await recordPoll(tx, sourceId, owner, record);
      await logFetch(tx, entry);
    });
    return;
  }
  // The statement's snapshot does not see the log line it inserts: the trim keeps the newest
  // KEEP - 1 older ones.
  const columns = pollColumns(record);
  const logged = fetchColumns(entry);
  await sql(recordAndLogFragments(Object.keys(columns), Object.keys(logged)), ...Object.values(columns), sourceId, owner, ...Object.values(logged), entry.sourceId, entry.sourceId).execute(db);
}

// recordPollAndLog's statement as template fragments, built once per set of columns (a few dozen
// sets: which optional columns a record writes). Built with Kysely's query builder, the statement
// cost ~0.3 ms of CPU per poll to build and compile again — about what fetching and hashing an
// unchanged 117 KB body costs — while a raw statement from cached fragments compiles in
// microseconds (docs/performance.md). Column names are this module's own, never feed data.
const recordStatements = new Map<string, TemplateStringsArray>();

function recordAndLogFragments(setColumns: string[], logColumns: string[]): TemplateStringsArray {
  const key = `${setColumns.join(',')}|${logColumns.join(',')}`;
  let fragments = recordStatements.get(key);
  if (!fragments) {
    // `?` marks a parameter; no other `?` is in this text.
    const text =
      `WITH recorded AS (UPDATE sources SET ${setColumns.map((column) => `${column} = ?`).join(', ')}, ` +
      'lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE id = ? AND lease_owner = ? RETURNING id), ' +
      `logged AS (INSERT INTO fetches (${logColumns.join(', ')}) VALUES (${logColumns.map(() => '?').join(', ')}) RETURNING id) ` +
      'DELETE FROM fetches WHERE source_id = ? AND id < ' +
      `(SELECT id FROM fetches WHERE source_id = ? ORDER BY id DESC OFFSET ${FETCH_LOG_KEEP - 2} LIMIT 1)`;
    const parts = text.split('?');
    fragments = Object.freeze(Object.assign(parts, { raw: parts })) as unknown as TemplateStringsArray;
    recordStatements.set(key, fragments);
  }
  return fragments;
}

/** Gives claims back without polling (shutdown before the fetch started). */
export async function releaseLeases(db: Kysely<Database>, owner: string, sourceIds: number[]): Promise<void> {
  if (sourceIds.length === 0) return;
  await db
    .updateTable('sources')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', '=', owner)
    .where('id', 'in', sourceIds)
    .execute();
}

export interface FetchLogEntry {
  sourceId: number;
  startedAt: Date;
  durationMs: number;
  url: string;
  httpStatus: number | null;
  outcome: string;
  error: string | null;
  bytes: number | null;
  newCount: number;
  updatedCount: number;
  duplicateCount: number;
}

const FETCH_LOG_KEEP = 50;

export async function logFetch(db: Kysely<Database>, entry: FetchLogEntry): Promise<void> {
  await db.insertInto('fetches').values(fetchColumns(entry)).execute();
  // Keep the log bounded per source; the newest entries are the useful ones.
  await db
    .deleteFrom('fetches')
    .where('source_id', '=', entry.sourceId)
    .where(
      'id',
      '<',
      (eb) =>
        eb
          .selectFrom('fetches')
          .select('id')
          .where('source_id', '=', entry.sourceId)
          .orderBy('id', 'desc')
          .offset(FETCH_LOG_KEEP - 1)
          .limit(1),
    )
    .execute();
}

function fetchColumns(entry: FetchLogEntry) {
  return {
    source_id: entry.sourceId,
    started_at: entry.startedAt,
    duration_ms: Math.round(entry.durationMs),
    url: entry.url,
    http_status: entry.httpStatus,
    outcome: entry.outcome,
    error: entry.error,
    bytes: entry.bytes,
    new_count: entry.newCount,
    updated_count: entry.updatedCount,
    duplicate_count: entry.duplicateCount,
  };
}

export function getSourceByUrl(db: Kysely<Database>, url: string): Promise<Source | undefined> {
  return db
    .selectFrom('sources')
    .selectAll()
    .where((eb) => eb.or([eb('url', '=', url), eb('configured_url', '=', url)]))
    .executeTakeFirst();
}

/** Entries a source carried since `since`: drives the adaptive poll interval. */
export async function countRecentEntries(db: Kysely<Database>, sourceId: number, since: Date): Promise<number> {
  const row = await db
    .selectFrom('article_sources')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('source_id', '=', sourceId)
    .where('first_seen_at', '>=', since)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Sources that are not deleted, by status. */
export async function countSourcesByStatus(db: Kysely<Database>): Promise<Partial<Record<SourceStatus, number>>> {
  const rows = await db
    .selectFrom('sources')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('deleted_at', 'is', null)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
