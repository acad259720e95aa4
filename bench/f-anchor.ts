// (f) The anchor workload on Postgres: 200 upstream feeds × 50 items (~2 KB of Chinese HTML each)
// in one category. First `npm run poll -- --all` on an empty database (10,000 new items), then the
// same again with nothing changed upstream (all 304s), both as whole processes; then a load
// generator on the category's Atom feed of the running service, side by side with bare node:http
// sending the same bytes. Baselines: a bare process doing the same fetches (and parsing the
// bodies) with no database; the floor under any aggregator's first poll (bench/bare/poll-floor.mjs);
// and Tiny Tiny RSS measured on this machine kind (53.5 s, 9.8 s, < 5 requests/s; issue 7).
import type { Context } from './lib/context.ts';
import { compareServing, type ServeFigures } from './a-serve.ts';
import { SLUG, startService, tempDir, type Service } from './lib/fixtures.ts';
import { createDatabase, type BenchDatabase } from './lib/pg.ts';
import { run, type RunResult } from './lib/proc.ts';
import { median, round } from './lib/stats.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const TTRSS = { firstPollSeconds: 53.5, rePollSeconds: 9.8, feedRequestsPerSecond: 5 };

export interface AnchorFigures {
  feeds: number;
  itemsPerFeed: number;
  rounds: number;
  command: string;
  firstPollSeconds: number;
  firstPollCpuSeconds: number;
  firstPollPeakRssMb: number;
  rePollSeconds: number;
  rePollCpuSeconds: number;
  bareFirstSeconds: number;
  bareRePollSeconds: number;
  ratioFirstToBare: number;
  /**
   * The floor under any aggregator for the first poll (bench/bare/poll-floor.mjs): the same fetches,
   * rss-parser and sanitize-html's defaults on a parsing thread, one multi-row INSERT per feed into
   * Postgres, nothing else — no charsets, identity, dedup, provenance, categories or poll records.
   */
  floorFirstSeconds: number;
  ratioFirstToFloor: number;
  ratioRePollToBare: number;
  ttrss: typeof TTRSS;
  speedupFirstVsTtrss: number;
  speedupRePollVsTtrss: number;
  serving: ServeFigures;
  speedupServingVsTtrss: number;
}

export async function benchAnchor(ctx: Context): Promise<AnchorFigures> {
  ctx.log('(f) anchor: 200 feeds × 50 zh items in one category, first poll, unchanged re-poll, then serving its Atom feed');
  const anchor = await ctx.anchor();
  const rounds = ctx.quick ? 2 : 4;
  const first: RunResult[] = [];
  const again: RunResult[] = [];
  const bareFirst: number[] = [];
  const bareAgain: number[] = [];
  const floorFirst: number[] = [];
  const jobDir = await tempDir('f-job');
  const firstJob = join(jobDir, 'first.json');
  const againJob = join(jobDir, 'again.json');
  await writeFile(firstJob, JSON.stringify({ urls: anchor.info.urls, etags: anchor.info.urls.map(() => null), concurrency: 16 }));
  await writeFile(againJob, JSON.stringify({ urls: anchor.info.urls, etags: anchor.info.etags, concurrency: 16 }));
  let last: BenchDatabase | null = null;
  let env: Record<string, string> = {};
  const check = (r: RunResult, pattern: RegExp, what: string) => {
    if (r.code !== 0 || !pattern.test(r.stdout)) throw new Error(`(f) ${what}: code ${r.code}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
  };
  try {
    for (let r = 0; r < rounds; r++) {
      const doOurs = async () => {
        if (last) await last.drop();
        last = await createDatabase('f');
        env = { DATABASE_URL: last.url, FEEDS_DIR: anchor.feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL: 'http://bench.test' };
        const one = await run('npm', ['run', 'poll', '--', '--all'], env);
        check(one, /polled 200 source\(s\).*10000 new.*0 failed/, 'first poll');
        const two = await run('npm', ['run', 'poll', '--', '--all'], env);
        check(two, /polled 200 source\(s\).*0 new.*0 failed/, 're-poll');
        if ((two.stdout.match(/HTTP 304 +not-modified/g) ?? []).length !== 200) throw new Error(`(f) re-poll was not all 304s:\n${two.stdout.slice(0, 1500)}`);
        first.push(one);
        again.push(two);
      };
      const doBare = async () => {
        const one = await run('node', ['bench/bare/poll-bare.mjs', firstJob], {});
        check(one, /"ok":200/, 'bare first');
        const two = await run('node', ['bench/bare/poll-bare.mjs', againJob], {});
        check(two, /"notModified":200/, 'bare re-poll');
        bareFirst.push(one.ms / 1000);
        bareAgain.push(two.ms / 1000);
        const floorDb = await createDatabase('ffloor');
        try {
          const floor = await run('node', ['bench/bare/poll-floor.mjs', firstJob, floorDb.url], {});
          check(floor, /"ok":200,"notModified":0,"items":10000,"failed":0/, 'floor first');
          floorFirst.push(floor.ms / 1000);
        } finally {
          await floorDb.drop();
        }
      };
      if (r % 2 === 0) {
        await doOurs();
        await doBare();
      } else {
        await doBare();
        await doOurs();
      }
      ctx.log(
        `  (f) round ${r + 1}/${rounds}: first poll ${(first.at(-1)!.ms / 1000).toFixed(2)} s (${((first.at(-1)!.cpuMs ?? 0) / 1000).toFixed(1)} s CPU, ` +
          `${first.at(-1)!.peakRssMb?.toFixed(0)} MB), re-poll ${(again.at(-1)!.ms / 1000).toFixed(2)} s; bare ${bareFirst.at(-1)!.toFixed(2)} s, ${bareAgain.at(-1)!.toFixed(2)} s; ` +
          `floor first ${floorFirst.at(-1)!.toFixed(2)} s`,
      );
    }
    let serving: ServeFigures;
    const fromA = ctx.results.a as ServeFigures | undefined;
    if (fromA && !('error' in fromA)) {
      // (a) measured exactly this: the anchor category's Atom feed served by `npm start` on Postgres.
      serving = fromA;
      ctx.log('  (f) serving: the figures of (a), the same feed of the same workload');
    } else {
      let service: Service | null = null;
      try {
        service = await startService({ ...env, POLLING: 'off' });
        serving = await compareServing(ctx, service, `/feeds/${SLUG}.atom`, '(f) serving', ctx.quick ? 2 : 3, ctx.quick ? 1 : 3);
      } finally {
        await service?.stop();
      }
    }
    const firstS = median(first.map((r) => r.ms / 1000));
    const againS = median(again.map((r) => r.ms / 1000));
    const figures: AnchorFigures = {
      feeds: anchor.info.urls.length,
      itemsPerFeed: 50,
      rounds,
      command: 'npm run poll -- --all',
      firstPollSeconds: round(firstS),
      firstPollCpuSeconds: round(median(first.map((r) => (r.cpuMs ?? NaN) / 1000))),
      firstPollPeakRssMb: round(median(first.map((r) => r.peakRssMb ?? NaN)), 0),
      rePollSeconds: round(againS),
      rePollCpuSeconds: round(median(again.map((r) => (r.cpuMs ?? NaN) / 1000))),
      bareFirstSeconds: round(median(bareFirst)),
      bareRePollSeconds: round(median(bareAgain)),
      ratioFirstToBare: round(firstS / median(bareFirst), 2),
      ratioRePollToBare: round(againS / median(bareAgain), 2),
      floorFirstSeconds: round(median(floorFirst)),
      ratioFirstToFloor: round(firstS / median(floorFirst), 2),
      ttrss: TTRSS,
      speedupFirstVsTtrss: round(TTRSS.firstPollSeconds / firstS, 1),
      speedupRePollVsTtrss: round(TTRSS.rePollSeconds / againS, 1),
      serving,
      speedupServingVsTtrss: round(serving.ours200Rps / TTRSS.feedRequestsPerSecond, 0),
    };
    ctx.log(
      `(f) first poll ${figures.firstPollSeconds} s (target ≤ 5; TT-RSS 53.5 s; bare fetch+parse ${figures.bareFirstSeconds} s; ` +
        `floor fetch+parse+sanitize+INSERT ${figures.floorFirstSeconds} s, ours ${figures.ratioFirstToFloor}× it), ` +
        `unchanged re-poll ${figures.rePollSeconds} s (target ≤ 2; TT-RSS 9.8 s; bare ${figures.bareRePollSeconds} s); ` +
        `Atom feed ${serving.ours200Rps} req/s (${serving.ratio200}× bare node:http; TT-RSS < 5 req/s), 304s ${serving.ours304Rps} req/s (${serving.ratio304}×)`,
    );
    return figures;
  } finally {
    if (last) await (last as BenchDatabase).drop();
  }
}
