// Claims due sources from the database queue and polls them with a global concurrency limit and a
// per-host limit, so one slow host cannot starve the rest and no host gets a burst from us. Claims
// are made as slots free up, not batch by batch, so one slow upstream never holds back the queue.
import { claimSources, releaseLeases } from '../store/sources.ts';
import type { Source } from '../store/schema.ts';
import { pollSource, type PollerDeps, type PollOutcome } from './poll-source.ts';

export interface RunOptions {
  concurrency: number;
  perHost: number;
  /** Most sources claimed by one query. */
  batchSize: number;
  leaseSeconds: number;
  ignoreSchedule?: boolean;
  sourceId?: number;
  /** Claim at most this many sources in the whole run (a Worker invocation's budget). */
  maxSources?: number;
  /** Stop claiming and starting polls; polls already running finish, unstarted claims go back. */
  signal?: AbortSignal;
  onOutcome?: (outcome: PollOutcome) => void;
}

/** The limits a Node poller runs with; the Worker uses smaller ones (6 connections per invocation). */
export function defaultRunOptions(fetchTimeoutMs: number): RunOptions {
  return {
    concurrency: 16,
    perHost: 2,
    batchSize: 50,
    // Long enough for a fetch that uses its whole deadline plus the ingest, short enough that a
    // crashed poller's claims come back within minutes.
    leaseSeconds: Math.ceil(fetchTimeoutMs / 1000) * 3 + 60,
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

/** Polls due sources until none is left (with ignoreSchedule: each source once). */
export async function pollDue(deps: PollerDeps, options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = { polled: 0, failed: 0, outcomes: [] };
  const runStart = deps.now();
  const waiting: Source[] = [];
  const perHost = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let claimedTotal = 0;
  let exhausted = false;

  const report = (outcome: PollOutcome) => {
    summary.polled++;
    if (outcome.kind === 'error' || outcome.kind === 'gone') summary.failed++;
    summary.outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };

  const start = (source: Source) => {
    const host = hostOf(source.url);
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
    const task = pollSource(deps, source)
      .then(report, (error: unknown) => {
        deps.log.error('poller: poll failed to record', { source: source.url, error: String(error) });
      })
      .finally(() => {
        perHost.set(host, (perHost.get(host) ?? 1) - 1);
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

  for (;;) {
    if (options.signal?.aborted) {
      await releaseLeases(deps.db, deps.owner, waiting.splice(0).map((s) => s.id));
      break;
    }
    const budget = (options.maxSources ?? Infinity) - claimedTotal;
    // Claim only what free slots can start soon; claimed-but-waiting sources hold leases.
    const want = Math.min(options.batchSize, options.concurrency - running.size - waiting.length, budget);
    if (!exhausted && want > 0) {
      const claimed = await claimSources(deps.db, {
        owner: deps.owner,
        now: deps.now(),
        limit: want,
        leaseSeconds: options.leaseSeconds,
        ignoreSchedule: options.ignoreSchedule,
        sourceId: options.sourceId,
        // Ignoring schedules, a polled source would be claimable again at once: once per run.
        notFetchedSince: options.ignoreSchedule ? runStart : undefined,
      });
      claimedTotal += claimed.length;
      if (claimed.length < want || options.sourceId !== undefined) exhausted = true;
      waiting.push(...claimed);
    }
    startStartable();
    if (running.size === 0) {
      if (waiting.length === 0 && (exhausted || budget <= 0)) break;
      continue;
    }
    await Promise.race(running);
  }
  await Promise.all(running);
  return summary;
}
