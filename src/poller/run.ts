// Claims due sources from the database queue and polls them with a global concurrency limit and a
// per-host limit, so one slow host cannot starve the rest and no host gets a burst from us. Claims
// are made as slots free up, not batch by batch, so one slow upstream never holds back the queue.
//
// Sources in an error streak (timeouts, refusals, 5xx) may fill at most `concurrency - reserve`
// slots at once: a crowd of hanging upstreams, each holding its slot for the whole FETCH_TIMEOUT,
// can never occupy every slot, so a healthy source that falls due is claimed and started at once
// instead of waiting behind them. Within each group, sources go in due order; erroring sources
// still get most of the slots, so they are never starved (their backoff thins them anyway).
import { claimSources, releaseLeases, type ClaimedSource } from '../store/sources.ts';
import type { Source } from '../store/schema.ts';
import { pollSource, type PollerDeps, type PollOutcome } from './poll-source.ts';

export interface RunOptions {
  concurrency: number;
  perHost: number;
  /** Most sources claimed by one query. */
  batchSize: number;
  leaseSeconds: number;
  /** Slots only sources without recent errors may use; default a quarter of `concurrency`. */
  reserve?: number;
  ignoreSchedule?: boolean;
  sourceId?: number;
  /** Claim at most this many sources in the whole run (a Worker invocation's budget). */
  maxSources?: number;
  /** Stop claiming and starting polls; polls already running finish, unstarted claims go back. */
  signal?: AbortSignal;
  onOutcome?: (outcome: PollOutcome) => void;
}

/**
 * How long a claim may be held: long enough for a fetch that uses its whole deadline plus the
 * ingest, short enough that a crashed poller's claims come back within minutes.
 */
export function leaseSecondsFor(fetchTimeoutMs: number): number {
  return Math.ceil(fetchTimeoutMs / 1000) * 3 + 60;
}

/** The limits a Node poller runs with; the Worker uses smaller ones (6 connections per invocation). */
export function defaultRunOptions(fetchTimeoutMs: number): RunOptions {
  return {
    concurrency: 16,
    perHost: 2,
    batchSize: 50,
    leaseSeconds: leaseSecondsFor(fetchTimeoutMs),
  };
}

export interface RunSummary {
  polled: number;
  failed: number;
  outcomes: PollOutcome[];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const isErroring = (source: Source) => source.consecutive_errors > 0;

/** Polls due sources until none is left (with ignoreSchedule: each source once). */
export async function pollDue(deps: PollerDeps, options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = { polled: 0, failed: 0, outcomes: [] };
  const runStart = deps.now();
  const waiting: ClaimedSource[] = [];
  const perHost = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let claimedTotal = 0;
  let exhausted = false;
  // Polling one named source (poll now) reserves nothing: there is no crowd to protect it from.
  const reserve = options.sourceId !== undefined ? 0 : Math.min(options.reserve ?? Math.floor(options.concurrency / 4), options.concurrency - 1);
  /** Erroring sources claimed by this run and not finished (running or waiting). */
  let erroringHeld = 0;
  /** Polls whose result could not be stored (the database failed under them). */
  const unrecorded: number[] = [];

  const report = (outcome: PollOutcome) => {
    summary.polled++;
    if (outcome.kind === 'error' || outcome.kind === 'gone') summary.failed++;
    summary.outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };

  const start = (source: ClaimedSource) => {
    const host = hostOf(source.url);
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
    const task = pollSource(deps, source)
      .then(report, (error: unknown) => {
        deps.log.error('poller: poll failed to record', { source: source.url, error: String(error) });
        unrecorded.push(source.id);
      })
      .finally(() => {
        perHost.set(host, (perHost.get(host) ?? 1) - 1);
        if (isErroring(source)) erroringHeld--;
        running.delete(task);
      });
    running.add(task);
  };

  const startStartable = () => {
    for (let i = 0; i < waiting.length && running.size < options.concurrency; ) {
      const source = waiting[i]!;
      if ((perHost.get(hostOf(source.url)) ?? 0) < options.perHost) {
        waiting.splice(i, 1);
        start(source);
      } else {
        i++;
      }
    }
  };

  const claimAndPoll = async () => {
    for (;;) {
      if (options.signal?.aborted) {
        await releaseLeases(deps.db, deps.owner, waiting.splice(0).map((s) => s.id));
        return;
      }
      const budget = (options.maxSources ?? Infinity) - claimedTotal;
      // Claim what free slots can start soon, plus half the concurrency ahead (claimed-but-waiting
      // sources hold leases, so not more), and only once that many are missing or a slot would
      // idle: a cycle of fast polls (304s, unchanged bodies) otherwise waited on one claim per
      // finished poll, a round trip in the loop's path for every source (docs/performance.md).
      const ahead = Math.ceil(options.concurrency / 2);
      const want = Math.min(options.batchSize, options.concurrency + ahead - running.size - waiting.length, budget);
      const slotsIdle = running.size + waiting.length < options.concurrency;
      if (!exhausted && want > 0 && (want >= ahead || slotsIdle)) {
        const erroringRoom = Math.min(want, Math.max(0, options.concurrency - reserve - erroringHeld));
        const claimed = await claimSources(deps.db, {
          owner: deps.owner,
          now: deps.now(),
          limit: want,
          maxErroring: erroringRoom,
          leaseSeconds: options.leaseSeconds,
          ignoreSchedule: options.ignoreSchedule,
          sourceId: options.sourceId,
          // Ignoring schedules, a polled source would be claimable again at once: once per run.
          notFetchedSince: options.ignoreSchedule ? runStart : undefined,
          countRecentEntries: deps.scheduler === 'entry-frequency',
        });
        claimedTotal += claimed.length;
        const erroring = claimed.filter(isErroring).length;
        erroringHeld += erroring;
        // Fewer than asked means nothing more is due, unless the erroring quota is what cut it.
        if ((claimed.length < want && erroring < erroringRoom) || options.sourceId !== undefined) exhausted = true;
        waiting.push(...claimed);
      }
      startStartable();
      if (running.size === 0) {
        if (waiting.length === 0 && (exhausted || budget <= 0)) return;
        continue;
      }
      await Promise.race(running);
    }
  };

  let failure: unknown = null;
  try {
    await claimAndPoll();
  } catch (error) {
    // The database failed under the run (a claim could not be made): stop claiming and let the
    // polls already running finish.
    failure = error;
  }
  await Promise.all(running);
  // Claims this run will not record go back now rather than when their leases expire, so the
  // next run (the next tick, another process) polls them as soon as the database answers.
  await giveBack(deps, [...waiting.splice(0).map((s) => s.id), ...unrecorded]);
  if (failure !== null) throw failure;
  return summary;
}

const GIVE_BACK_ATTEMPTS = 5;

/** Releases leases, retrying for ~15 s while the database is away; a lease not released expires anyway. */
async function giveBack(deps: PollerDeps, sourceIds: number[]): Promise<void> {
  if (sourceIds.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await releaseLeases(deps.db, deps.owner, sourceIds);
      return;
    } catch (error) {
      if (attempt >= GIVE_BACK_ATTEMPTS) {
        deps.log.warn('poller: could not hand back claims; they return when their leases expire', { sources: sourceIds.length, error: String(error) });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** (attempt - 1)));
    }
  }
}
