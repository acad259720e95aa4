// Claims due sources from the database queue and polls them with a global concurrency limit and a
// per-host limit, so one slow host cannot starve the rest and no host gets a burst from us.
import { claimSources, releaseLeases } from '../store/sources.ts';
import type { Source } from '../store/schema.ts';
import { pollSource, type PollerDeps, type PollOutcome } from './poll-source.ts';

export interface RunOptions {
  concurrency: number;
  perHost: number;
  batchSize: number;
  leaseSeconds: number;
  ignoreSchedule?: boolean;
  sourceId?: number;
  /** Claim at most this many batches (a Worker invocation takes one); unbounded otherwise. */
  maxBatches?: number;
  /** Stop claiming and starting polls; polls already running finish. */
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

/** Polls claimed batches until nothing is due (or, with ignoreSchedule, each source once). */
export async function pollDue(deps: PollerDeps, options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = { polled: 0, failed: 0, outcomes: [] };
  const runStart = deps.now();
  for (let batch = 0; batch < (options.maxBatches ?? Infinity); batch++) {
    if (options.signal?.aborted) break;
    const claimed = await claimSources(deps.db, {
        owner: deps.owner,
        now: deps.now(),
        limit: options.batchSize,
        leaseSeconds: options.leaseSeconds,
        ignoreSchedule: options.ignoreSchedule,
        sourceId: options.sourceId,
        // Ignoring schedules, a polled source would be claimable again at once: once per run.
        notFetchedSince: options.ignoreSchedule ? runStart : undefined,
      });
    if (claimed.length === 0) break;
    await runBatch(deps, claimed, options, (outcome) => {
      summary.polled++;
      if (outcome.kind === 'error' || outcome.kind === 'gone') summary.failed++;
      summary.outcomes.push(outcome);
      options.onOutcome?.(outcome);
    });
    if (options.sourceId !== undefined) break;
  }
  return summary;
}

async function runBatch(
  deps: PollerDeps,
  sources: Source[],
  options: RunOptions,
  report: (outcome: PollOutcome) => void,
): Promise<void> {
  const waiting = [...sources];
  const perHost = new Map<string, number>();
  const running = new Set<Promise<void>>();

  const startable = (): Source | undefined => {
    const index = waiting.findIndex((s) => (perHost.get(hostOf(s.url)) ?? 0) < options.perHost);
    return index === -1 ? undefined : waiting.splice(index, 1)[0];
  };

  while (waiting.length > 0 || running.size > 0) {
    if (options.signal?.aborted && waiting.length > 0) {
      await releaseLeases(deps.db, deps.owner, waiting.splice(0).map((s) => s.id));
    }
    let next: Source | undefined;
    while (running.size < options.concurrency && (next = startable())) {
      const source = next;
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
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
}
