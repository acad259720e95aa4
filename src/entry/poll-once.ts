// The body of `npm run poll` (entry/poll.ts), loaded once its parse threads are starting: one
// poll of the due sources (all with --all, one with --source), printed a line per source and a
// summary, then retention.
import type { Kysely } from 'kysely';
import { defaultRunOptions, pollDue } from '../poller/run.ts';
import { outcomeLine, summaryLine } from '../poller/summary.ts';
import { unpollableReason } from '../poller/pollable.ts';
import { pruneArticles } from '../store/retention.ts';
import type { Database } from '../store/schema.ts';
import { getSourceByUrl } from '../store/sources.ts';
import { boot, pollerDeps } from './boot.ts';
import type { ParsePool } from './parse-pool.ts';

const PROGRESS_EVERY_MS = 5_000;

export interface PollOnceOptions {
  all: boolean;
  source: string | undefined;
}

/** The source an operator named: as typed, else in the form sources are stored in (new URL().href). */
async function sourceNamed(db: Kysely<Database>, text: string) {
  const exact = await getSourceByUrl(db, text);
  if (exact || !URL.canParse(text)) return exact;
  const normalized = new URL(text).href;
  return normalized === text ? undefined : getSourceByUrl(db, normalized);
}

export async function pollOnce(env: Record<string, string | undefined>, options: PollOnceOptions, pool: ParsePool | null): Promise<void> {
  const booted = await boot(env);
  const { database, config } = booted;
  try {
    let sourceId: number | undefined;
    if (options.source) {
      const source = await sourceNamed(database.db, options.source);
      if (!source) throw new Error(`--source: no source with URL ${options.source}`);
      // Asked for by name, a source the poll would skip says why and the command fails, as the
      // admin API's poll now answers 409: polling nothing and exiting 0 would look like success.
      const unpollable = unpollableReason(source);
      if (unpollable) throw new Error(`--source: ${unpollable}`);
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
    if (sourceId !== undefined && summary.outcomes.length === 0) {
      throw new Error(`--source: source ${sourceId} is being polled by another poller right now; try again in a moment`);
    }
    console.log(summaryLine(summary, performance.now() - started));
    const pruned = await pruneArticles(database.db, new Date(), config.retentionDays);
    if (pruned > 0) console.log(`retention: pruned ${pruned} article(s) first seen over ${config.retentionDays} days ago`);
  } finally {
    await database.close();
  }
}
