// (e) Start-up to a healthy /healthz on the embedded database (PGlite in a temp DATA_DIR): a new
// data directory (initdb, migrations, feeds/ sync) and the same directory reopened, with the peak
// RSS of each start; against a bare process that opens PGlite on a data directory and answers
// /healthz with SELECT 1 from node:http (no framework, no tsx, no migrations).
import { join } from 'node:path';
import type { Context } from './lib/context.ts';
import { freePort, healthy, START, tempDir } from './lib/fixtures.ts';
import { start } from './lib/proc.ts';
import { median, round } from './lib/stats.ts';

export interface StartupFigures {
  rounds: number;
  oursNewSeconds: number;
  oursReopenedSeconds: number;
  oursNewPeakRssMb: number;
  oursReopenedPeakRssMb: number;
  bareNewSeconds: number;
  bareReopenedSeconds: number;
  ratioNew: number;
  ratioReopened: number;
}

async function startOnce(command: string, args: string[], env: Record<string, string>): Promise<{ seconds: number; peakRssMb: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await start(command, args, { ...env, PORT: String(port) }, () => healthy(url), 120_000);
  const peak = await started.stop();
  return { seconds: started.readyMs / 1000, peakRssMb: peak ?? NaN };
}

export async function benchStartup(ctx: Context): Promise<StartupFigures> {
  ctx.log('(e) start-up to a healthy /healthz on the embedded database, new and reopened');
  const rounds = ctx.quick ? 2 : 4;
  const results = { oursNew: [] as number[], oursReopened: [] as number[], oursNewRss: [] as number[], oursReopenedRss: [] as number[], bareNew: [] as number[], bareReopened: [] as number[] };
  // npm start's command, with the repository's feeds/ and no polling (nothing may leave this machine).
  const ours = async (dataDir: string) => startOnce(START[0], START[1], { DATA_DIR: dataDir, POLLING: 'off', PUBLIC_URL: 'http://bench.test' });
  const bare = async (dataDir: string) => startOnce('node', ['bench/bare/pglite-health.mjs'], { DATA_DIR: dataDir });
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
    for (const which of order) {
      const dir = join(await tempDir(`e-${which}`), 'data');
      if (which === 'ours') {
        const first = await ours(dir);
        const again = await ours(dir);
        results.oursNew.push(first.seconds);
        results.oursNewRss.push(first.peakRssMb);
        results.oursReopened.push(again.seconds);
        results.oursReopenedRss.push(again.peakRssMb);
      } else {
        results.bareNew.push((await bare(dir)).seconds);
        results.bareReopened.push((await bare(dir)).seconds);
      }
    }
    ctx.log(
      `  (e) round ${r + 1}/${rounds}: ours new ${results.oursNew.at(-1)!.toFixed(2)} s (${results.oursNewRss.at(-1)!.toFixed(0)} MB), ` +
        `reopened ${results.oursReopened.at(-1)!.toFixed(2)} s (${results.oursReopenedRss.at(-1)!.toFixed(0)} MB); ` +
        `bare new ${results.bareNew.at(-1)!.toFixed(2)} s, reopened ${results.bareReopened.at(-1)!.toFixed(2)} s`,
    );
  }
  const m = (k: keyof typeof results) => median(results[k]);
  const figures: StartupFigures = {
    rounds,
    oursNewSeconds: round(m('oursNew')),
    oursReopenedSeconds: round(m('oursReopened')),
    oursNewPeakRssMb: round(m('oursNewRss'), 0),
    oursReopenedPeakRssMb: round(m('oursReopenedRss'), 0),
    bareNewSeconds: round(m('bareNew')),
    bareReopenedSeconds: round(m('bareReopened')),
    ratioNew: round(m('oursNew') / m('bareNew'), 2),
    ratioReopened: round(m('oursReopened') / m('bareReopened'), 2),
  };
  ctx.log(
    `(e) new data dir ${figures.oursNewSeconds} s (${figures.oursNewPeakRssMb} MB) vs bare PGlite ${figures.bareNewSeconds} s = ${figures.ratioNew}×; ` +
      `reopened ${figures.oursReopenedSeconds} s (${figures.oursReopenedPeakRssMb} MB; target < 3 s) vs bare ${figures.bareReopenedSeconds} s = ${figures.ratioReopened}×`,
  );
  return figures;
}
