// npm run poll [-- --all | --source URL] — polls due sources once and exits. Exits 0 when the poll
// ran, even if upstreams failed (they are recorded); non-zero only when it could not run.
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { defaultRunOptions, pollDue } from '../poller/run.ts';
import { outcomeLine, summaryLine } from '../poller/summary.ts';
import { pruneArticles } from '../store/retention.ts';
import { getSourceByUrl } from '../store/sources.ts';
import { boot, fail, pollerDeps } from './boot.ts';
import { createParsePool } from './parse-pool.ts';

const PROGRESS_EVERY_MS = 5_000;

// A poll is a batch process of seconds, most of whose JavaScript gets optimized while it runs, in
// two isolates (this thread and the parse thread). V8's optimizing compiler, inlining up to its
// default budget, spent nearly a fifth of the process's CPU on its own threads (a first poll of the
// anchor workload); with a third of that budget the same poll takes 5–10 % less CPU and time
// (docs/performance.md). Read when a function is optimized, so setting it here, before any hot
// code, is enough; the flag is process-wide, so the parse thread gets it too. `npm start`, which
// runs for days, keeps V8's default.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=300');

async function main() {
  const { values } = parseArgs({
    options: { all: { type: 'boolean', default: false }, source: { type: 'string' } },
    strict: true,
  });
  // Parsing threads, loading while the database is opened (one source alone does not need them).
  const pool = values.source ? null : createParsePool(undefined, { eager: true });
  const booted = await boot(process.env);
  const { database, config } = booted;
  try {
    let sourceId: number | undefined;
    if (values.source) {
      const source = await getSourceByUrl(database.db, values.source);
      if (!source) throw new Error(`--source: no source with URL ${values.source}`);
      sourceId = source.id;
    }
    const started = performance.now();
    let lastProgress = started;
    let done = 0;
    const summary = await pollDue({ ...pollerDeps(booted), ...(pool ? { parse: pool.parse } : {}) }, {
      ...defaultRunOptions(config.fetchTimeoutMs),
      ignoreSchedule: values.all,
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
    await pool?.close();
    await database.close();
  }
}

// Everything is closed by now; waiting for the event loop to drain on its own (sockets finishing
// their close, the parse thread's teardown) kept the process alive ~0.1 s longer, a twentieth of
// an unchanged re-poll (docs/performance.md). Exit once stdout has flushed (pipes are asynchronous
// on some platforms), so no line of the summary is lost.
main().then(() => process.stdout.write('', () => process.exit(0)), fail);
