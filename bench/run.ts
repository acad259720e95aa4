// npm run bench [-- --quick] [-- --only a,c]: the benchmarks of docs/performance.md, each running
// ours and its baseline alternately over several rounds; medians and ratios. The last line printed
// is one JSON object holding every figure and ratio.
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { benchServe } from './a-serve.ts';
import { benchIngest } from './b-ingest.ts';
import { benchUnchanged } from './c-unchanged.ts';
import { benchCycle } from './d-cycle.ts';
import { benchStartup } from './e-startup.ts';
import { benchAnchor } from './f-anchor.ts';
import { createContext } from './lib/context.ts';
import { removeTempDirs } from './lib/fixtures.ts';
import { dropAll } from './lib/pg.ts';
import { killAll, run } from './lib/proc.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } }, strict: true });
const only = new Set((values.only ?? 'a,b,c,d,e,f').split(',').map((s) => s.trim()));
const ctx = createContext(values.quick);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    void dropAll().finally(() => process.exit(130));
  });
}
const started = performance.now();
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  quick: values.quick,
};
const benches: [string, (c: typeof ctx) => Promise<unknown>][] = [
  ['a', benchServe],
  ['b', benchIngest],
  ['c', benchUnchanged],
  ['d', benchCycle],
  ['e', benchStartup],
  ['f', benchAnchor],
];
let failed = false;
try {
  // Build the compiled entries now (scripts/run.mjs), so no measured start pays for it.
  const built = await run('node', ['scripts/run.mjs', '--build'], {});
  if (built.code !== 0) throw new Error(`scripts/run.mjs --build failed:\n${built.stderr}`);
  for (const [name, bench] of benches) {
    if (!only.has(name)) continue;
    const t = performance.now();
    try {
      results[name] = await bench(ctx);
      ctx.results[name] = results[name];
    } catch (error) {
      failed = true;
      console.error(`(${name}) failed: ${(error as Error).stack ?? error}`);
      results[name] = { error: String((error as Error).message ?? error) };
    }
    console.log(`(${name}) took ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await ctx.close().catch(() => undefined);
  await dropAll();
  await removeTempDirs();
}
results.seconds = Math.round((performance.now() - started) / 100) / 10;
results.targets = targets(results);
for (const [name, t] of Object.entries(results.targets as Record<string, Target>)) {
  const floor = t.floor ? ` (floor ${t.floor.value}: ${t.floor.what}; ${t.floor.holds ? 'the floor meets the target' : 'the floor itself misses the target'})` : '';
  console.log(`target ${name}: ${t.value} ${t.op} ${t.limit} ${t.holds ? 'holds' : 'MISSED'}${floor}`);
}
console.log(JSON.stringify(results));
process.exit(failed ? 1 : 0);

interface Target {
  value: number | null;
  op: '>=' | '<=' | '<';
  limit: number;
  holds: boolean;
  /**
   * For a target the README calls out of reach: the same measure for the least any implementation
   * must do, from this run's rounds, and whether even that meets the limit.
   */
  floor?: { value: number; what: string; holds: boolean };
}

/** Issue 7's targets, judged on this run's medians. */
function targets(r: Record<string, unknown>): Record<string, Target> {
  const get = (path: string): number | null => {
    let v: unknown = r;
    for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    return typeof v === 'number' ? v : null;
  };
  const t = (path: string, op: Target['op'], limit: number): Target => {
    const value = get(path);
    const holds = value !== null && (op === '>=' ? value >= limit : op === '<=' ? value <= limit : value < limit);
    return { value, op, limit, holds };
  };
  const all: [string, string, Target['op'], number][] = [
    ['a.200', 'a.ratio200', '>=', 0.6],
    ['a.304', 'a.ratio304', '>=', 0.85],
    ['b', 'b.ratio', '<=', 3],
    ['c', 'c.ratio', '<=', 0.2],
    ['d.seconds', 'd.oursSeconds', '<', 60],
    ['d.peakRssMb', 'd.oursPeakRssMb', '<', 400],
    ['e.reopenedSeconds', 'e.oursReopenedSeconds', '<', 3],
    ['f.firstPollSeconds', 'f.firstPollSeconds', '<=', 5],
    ['f.rePollSeconds', 'f.rePollSeconds', '<=', 2],
  ];
  const judged: Record<string, Target> = Object.fromEntries(
    all.filter(([name]) => r[name.split('.')[0]!] !== undefined).map(([name, path, op, limit]) => [name, t(path, op, limit)]),
  );
  const floor = (name: string, value: number | null, what: string) => {
    const target = judged[name];
    if (!target || value === null) return;
    const rounded = Math.round(value * 1000) / 1000;
    target.floor = { value: rounded, what, holds: target.op === '<=' ? rounded <= target.limit : rounded < target.limit };
  };
  const sanitize = get('b.sanitizeOnlyRatio');
  const store = get('b.bareStoreRatio');
  floor('b', sanitize !== null && store !== null ? 1 + sanitize + store : null, 'rss-parser + sanitize-html alone + a bare committed INSERT, before any dedup');
  floor('c', get('c.bareRecordRatio'), 'bare node:http fetch + sha256 + one committed UPDATE per source');
  return judged;
}
