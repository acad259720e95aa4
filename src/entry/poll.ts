// npm run poll [-- --all | --source URL] — polls due sources once and exits. Exits 0 when the poll
// ran, even if upstreams failed (they are recorded); non-zero only when it could not run.
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { fail } from './fail.ts';
import { createParsePool } from './parse-pool.ts';

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
  // The parsing threads start first (one source alone does not need them), and load their modules
  // while this thread loads its own and boots: the poll's modules are imported only now, and the
  // parsing code not at all on this thread (poller/parse-inline.ts). Started after this thread's
  // imports, the threads were ready only as the first bodies arrived, which were then parsed here
  // by code not yet optimized; this way the threads take them, which saves this thread's time and
  // ~20 MB, not the poll's time (docs/performance.md).
  const pool = values.source ? null : createParsePool(undefined, { eager: true });
  try {
    const { pollOnce } = await import('./poll-once.ts');
    await pollOnce(process.env, { all: values.all, source: values.source }, pool);
  } finally {
    await pool?.close();
  }
}

// Everything is closed by now; waiting for the event loop to drain on its own (sockets finishing
// their close, the parse thread's teardown) kept the process alive ~0.1 s longer, a twentieth of
// an unchanged re-poll (docs/performance.md). Exit once stdout has flushed (pipes are asynchronous
// on some platforms), so no line of the summary is lost.
main().then(() => process.stdout.write('', () => process.exit(0)), fail);
