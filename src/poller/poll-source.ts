// One source through the whole pipeline, top to bottom:
// fetch → (304 | same body hash → stop) → parse → normalize → store → schedule → log.
import type { Kysely } from 'kysely';
import { FetchError, fetchFeed } from '../fetcher/index.ts';
import { cacheHints } from '../fetcher/cache-hints.ts';
import { sha256 } from '../hash.ts';
import { ParseError } from '../parser/raw-feed.ts';
import type { ParseFeedBody } from './parse.ts';
import { parseInline } from './parse-inline.ts';
import { entryFrequencyInterval, nextPollAt } from '../scheduler/policy.ts';
import { ingestEntries, type IngestCounts } from '../store/articles.ts';
import type { Database, ScheduleHints, Source, SourceStatus } from '../store/schema.ts';
import { isDatabaseUnavailable } from '../store/unavailable.ts';
import { countRecentEntries, recordPollAndLog, RECENT_ENTRIES_WINDOW_MS, type ClaimedSource } from '../store/sources.ts';
import type { Config, PollScheduler } from '../config.ts';
import type { FetcherDeps } from '../fetcher/index.ts';
import type { Logger } from '../log.ts';
import { userAgent } from '../version.ts';
import type { Metrics } from '../metrics.ts';

export interface PollerDeps {
  db: Kysely<Database>;
  fetcher: FetcherDeps;
  defaultIntervalSeconds: number;
  /** `fixed`: every defaultIntervalSeconds; `entry-frequency`: adapted to how often the source publishes. */
  scheduler: PollScheduler;
  now: () => Date;
  random: () => number;
  newId: () => string;
  log: Logger;
  /** Identifies this poller's leases. */
  owner: string;
  metrics?: Metrics;
  /** Runs the CPU half of a poll (decode, parse, normalize); default in-line (entry/parse-pool.ts: threads). */
  parse?: ParseFeedBody;
}

/** Poller dependencies from configuration; each runtime brings its fetch, URL check and identity. */
export function configuredPollerDeps(
  config: Pick<Config, 'fetchTimeoutMs' | 'fetchMaxBytes' | 'publicUrl' | 'pollIntervalSeconds' | 'pollScheduler'>,
  runtime: Pick<PollerDeps, 'db' | 'log' | 'owner'> & Pick<FetcherDeps, 'fetch' | 'checkUrl'>,
): PollerDeps {
  return {
    db: runtime.db,
    fetcher: {
      fetch: runtime.fetch,
      ...(runtime.checkUrl ? { checkUrl: runtime.checkUrl } : {}),
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.fetchMaxBytes,
      userAgent: userAgent(config.publicUrl),
    },
    defaultIntervalSeconds: config.pollIntervalSeconds,
    scheduler: config.pollScheduler,
    now: () => new Date(),
    random: Math.random,
    newId: () => crypto.randomUUID(),
    log: runtime.log,
    owner: runtime.owner,
  };
}

export type PollOutcomeKind = 'new' | 'not-modified' | 'unchanged' | 'error' | 'gone';

export interface PollOutcome {
  sourceId: number;
  url: string;
  kind: PollOutcomeKind;
  status: SourceStatus;
  httpStatus: number | null;
  counts: IngestCounts;
  error: string | null;
  durationMs: number;
  nextPollAt: Date;
}

const ZERO: IngestCounts = { new: 0, updated: 0, duplicate: 0, unchanged: 0, skipped: 0 };

/**
 * Polls one source. A source claimed through claimSources carries its recent-entries count; any
 * other Source (the admin API's first poll of a source it just added) is counted here.
 */
export async function pollSource(deps: PollerDeps, source: Source | ClaimedSource): Promise<PollOutcome> {
  const startedAt = deps.now();
  const started = performance.now();
  let kind: PollOutcomeKind;
  let counts = ZERO;
  let httpStatus: number | null = null;
  let error: string | null = null;
  let bytes: number | null = null;
  let status: SourceStatus = 'ok';
  let consecutiveErrors = 0;
  let hints: ScheduleHints = { ...(source.schedule_hints ?? {}) };
  delete hints.retryAfterSeconds;
  const update: { url?: string; etag?: string | null; lastModified?: string | null; bodyHash?: string; feedTitle?: string | null; siteUrl?: string | null } = {};

  try {
    const result = await fetchFeed(
      { url: source.url, etag: source.etag, lastModified: source.last_modified },
      deps.fetcher,
    );
    httpStatus = result.status;
    hints = { ...hints, ...cacheHints(result.headers, startedAt) };
    if (result.permanentUrl) update.url = result.permanentUrl;
    if (result.kind === 'not-modified') {
      kind = 'not-modified';
    } else {
      bytes = result.body.byteLength;
      update.etag = result.headers.get('etag');
      update.lastModified = result.headers.get('last-modified');
      const bodyHash = sha256(result.body);
      if (bodyHash === source.body_hash) {
        kind = 'unchanged';
      } else {
        const parsed = await (deps.parse ?? parseInline)(result.body, result.contentType, result.url);
        const feed = parsed.feed;
        counts = await ingestEntries(deps.db, source.id, feed.entries, { now: startedAt, newId: deps.newId });
        update.bodyHash = bodyHash;
        update.feedTitle = feed.title;
        update.siteUrl = feed.siteUrl;
        hints = {
          ...hints,
          ttlSeconds: parsed.ttlMinutes !== null ? parsed.ttlMinutes * 60 : undefined,
          skipHours: parsed.skipHours,
          skipDays: parsed.skipDays.map(dayNumber).filter((d): d is number => d !== null),
        };
        kind = 'new';
      }
    }
  } catch (caught) {
    // The database failing mid-poll says nothing about the upstream: no error is counted and no
    // backoff starts; pollDue gives the lease back and the source is polled again.
    if (isDatabaseUnavailable(caught)) throw caught;
    kind = 'error';
    consecutiveErrors = source.consecutive_errors + 1;
    status = 'erroring';
    if (caught instanceof FetchError) {
      httpStatus = caught.status;
      error = caught.message;
      if (caught.status === 410) {
        status = 'gone';
        kind = 'gone';
        error = 'fetcher: upstream answered 410 Gone; the source is no longer polled';
      }
      if (caught.headers) {
        const retry = cacheHints(caught.headers, startedAt).retryAfterSeconds;
        if (retry !== undefined) hints.retryAfterSeconds = retry;
      }
    } else if (caught instanceof ParseError) {
      error = caught.message;
    } else {
      error = `poller: ${caught instanceof Error ? caught.message : String(caught)}`;
      deps.log.error('poller: unexpected failure', { source: source.url, error: String(caught) });
    }
  }

  // An interval the operator set wins; otherwise POLL_INTERVAL, or with POLL_SCHEDULER=entry-frequency
  // an interval from how often the source publishes.
  const intervalSeconds =
    source.interval_seconds ??
    (deps.scheduler === 'entry-frequency'
      ? entryFrequencyInterval(await entriesLastWeek(deps, source, startedAt, counts), deps.defaultIntervalSeconds)
      : deps.defaultIntervalSeconds);
  const next = nextPollAt({
    now: startedAt,
    intervalSeconds,
    ttlSeconds: hints.ttlSeconds,
    maxAgeSeconds: hints.maxAgeSeconds,
    retryAfterSeconds: hints.retryAfterSeconds,
    skipHours: hints.skipHours,
    skipDays: hints.skipDays,
    consecutiveErrors,
    random: deps.random,
  });
  const durationMs = performance.now() - started;
  // The outcome and its log line in one statement: one round trip and one WAL flush per poll
  // (they were four statements, each waiting for its own flush; docs/performance.md).
  await recordPollAndLog(
    deps.db,
    source.id,
    deps.owner,
    {
      status,
      ...update,
      fetchedAt: startedAt,
      success: kind !== 'error' && kind !== 'gone',
      httpStatus,
      error,
      consecutiveErrors,
      scheduleHints: hints,
      nextPollAt: next,
    },
    {
      sourceId: source.id,
      startedAt,
      durationMs,
      url: source.url,
      httpStatus,
      outcome: kind,
      error,
      bytes,
      newCount: counts.new,
      updatedCount: counts.updated,
      duplicateCount: counts.duplicate,
    },
  );
  deps.metrics?.polls.inc({ result: kind });
  deps.metrics?.fetchDuration.observe(durationMs / 1000);
  for (const k of ['new', 'updated', 'duplicate'] as const) if (counts[k] > 0) deps.metrics?.articles.inc({ kind: k }, counts[k]);
  return {
    sourceId: source.id,
    url: update.url ?? source.url,
    kind,
    status,
    httpStatus,
    counts,
    error,
    durationMs,
    nextPollAt: next,
  };
}

/**
 * The source's provenance rows first seen in the last week, this poll's included. The claim counted
 * them (the source leased to this poller from then on, so no other ingest adds any), and the
 * ingest added one row per entry it stored, new or a duplicate of a story another source carried;
 * known and skipped entries add none.
 */
async function entriesLastWeek(deps: PollerDeps, source: Source | ClaimedSource, startedAt: Date, counts: IngestCounts): Promise<number> {
  if ('recent_entries' in source && source.recent_entries !== null) return source.recent_entries + counts.new + counts.duplicate;
  return countRecentEntries(deps.db, source.id, new Date(startedAt.getTime() - RECENT_ENTRIES_WINDOW_MS));
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
function dayNumber(name: string): number | null {
  const i = DAYS.indexOf(name.trim().toLowerCase());
  return i === -1 ? null : i;
}
