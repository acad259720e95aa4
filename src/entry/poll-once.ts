// The body of `npm run poll` (entry/poll.ts), loaded once its parse threads are starting: one
// poll of the due sources (all with --all, one with --source), printed a line per source and a
// summary, then retention.
import { defaultRunOptions, pollDue } from '../poller/run.ts';
import { outcomeLine, summaryLine } from '../poller/summary.ts';
import { pruneArticles } from '../store/retention.ts';
import { getSourceByUrl } from '../store/sources.ts';
import { boot, pollerDeps } from './boot.ts';
import type { ParsePool } from './parse-pool.ts';

const PROGRESS_EVERY_MS = 5_000;

export interface PollOnceOptions {
  all: boolean;
  source: string | undefined;
}

export async function pollOnce(env: Record<string, string | undefined>, options: PollOnceOptions, pool: ParsePool | null): Promise<void> {
  const booted = await boot(env);
  const { database, config } = booted;
  try {
    let sourceId: number | undefined;
    if (options.source) {
      const source = await getSourceByUrl(database.db, options.source);
      if (!source) throw new Error(`--source: no source with URL ${options.source}`);
      sourceId = source.id;
    }
    const started = performance.now();
    let lastProgress = started;
    let done = 0;
    const summary = await pollDue({ ...pollerDeps(booted), ...(pool ? { parse: pool.parse } : {}) }, {
      ...defaultRunOptions(config.fetchTimeoutMs),
      ignoreSchedule: options.all,
      sourceId,
      onOutcome: (outcome) => {
        done++;
        console.log(outcomeLine(outcome));
        if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
          lastProgress = performance.now();
          console.log(`… ${done} polled so far (${((lastProgress - started) / 1000).toFixed(0)}s)`);
        }
      },
    });
    console.log(summaryLine(summary, performance.now() - started));
    const pruned = await pruneArticles(database.db, new Date(), config.retentionDays);
    if (pruned > 0) console.log(`retention: pruned ${pruned} article(s) first seen over ${config.retentionDays} days ago`);
  } finally {
    await database.close();
  }
}
