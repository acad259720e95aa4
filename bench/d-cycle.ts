// (d) One poll cycle over 10,000 sources on a local upstream, as a whole process
// (`node scripts/run.mjs poll --all`, what `npm run poll -- --all` runs): 90 % answer 304 to the
// validators a previous cycle stored, 10 % changed and serve a 50-item feed of new stories (~2 KB
// of Chinese HTML each, 50,000 new articles in all). Wall time and peak RSS, against a bare
// process doing the same requests and parsing the changed bodies (no database, no normalizing).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Context } from './lib/context.ts';
import { openBenchDatabase } from './lib/db.ts';
import { POLL, tempDir } from './lib/fixtures.ts';
import { run } from './lib/proc.ts';
import { RemoteUpstream } from './lib/remote-upstream.ts';
import { median, round } from './lib/stats.ts';

export interface CycleFigures {
  sources: number;
  changed: number;
  newArticlesPerCycle: number;
  hosts: number;
  rounds: number;
  oursSeconds: number;
  oursPeakRssMb: number;
  oursCpuSeconds: number;
  bareSeconds: number;
  barePeakRssMb: number;
  ratio: number;
}

const SOURCES = 10_000;
const HOSTS = 100;

export async function benchCycle(ctx: Context): Promise<CycleFigures> {
  ctx.log('(d) one poll cycle over 10,000 sources (90 % 304, 10 % changed 50-item feeds): wall time and peak RSS');
  const rounds = ctx.quick ? 1 : 3;
  const { upstream, info } = await RemoteUpstream.start({ feeds: SOURCES, items: 50, ports: HOSTS, validators: true });
  const database = await openBenchDatabase('d');
  const db = database.opened.db;
  try {
    // The state a previous cycle left: every source known, with the validators its upstream sends.
    // Sources added through the API (no feeds/ file to sync at start-up), all in one category.
    const category = await db
      .insertInto('categories')
      .values({ slug: 'kejiribao', title: '科技日报新闻', description: '', language: 'zh-CN', origin: 'api', version: sql<number>`nextval('content_version_seq')` })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let start = 0; start < SOURCES; start += 1000) {
      const slice = info.urls.slice(start, start + 1000);
      const rows = await db
        .insertInto('sources')
        .values(
          slice.map((url, k) => ({
            url,
            configured_url: url,
            added_by_api: true,
            etag: info.etags[start + k]!,
            last_modified: info.lastModified,
            last_fetched_at: new Date(Date.now() - 900_000),
            last_success_at: new Date(Date.now() - 900_000),
            last_http_status: 200,
          })),
        )
        .returning('id')
        .execute();
      await db
        .insertInto('source_categories')
        .values(rows.map((r) => ({ source_id: r.id, category_id: category.id, origin: 'api' as const })))
        .execute();
    }
    const feedsDir = join(await tempDir('d'), 'feeds');
    await mkdir(feedsDir);
    const env = { DATABASE_URL: database.bench.url, FEEDS_DIR: feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL: 'http://bench.test' };

    const oursS: number[] = [];
    const oursRss: number[] = [];
    const oursCpu: number[] = [];
    const bareS: number[] = [];
    const bareRss: number[] = [];
    let changedCount = 0;
    for (let r = 0; r < rounds; r++) {
      // A different tenth changes every round: sources i with i % 10 === r.
      const changed = info.urls.map((_, i) => i).filter((i) => i % 10 === r % 10);
      changedCount = changed.length;
      const before = await upstream.info();
      await upstream.change(changed);
      await upstream.warm(changed);
      // The bare process asks with the validators the database holds (old ones for the changed tenth).
      const job = join(await tempDir('d-job'), 'job.json');
      await writeFile(job, JSON.stringify({ urls: info.urls, etags: before.etags, concurrency: 16 }));
      const doOurs = async () => {
        await upstream.counts();
        const result = await run(POLL[0], [...POLL[1], '--all'], env, 600_000);
        const counts = await upstream.counts();
        const summary = /polled (\d+) source\(s\) in [\d.]+s: (\d+) new/.exec(result.stdout);
        if (result.code !== 0 || !summary || Number(summary[1]) !== SOURCES || Number(summary[2]) !== changed.length * 50) {
          throw new Error(`(d) poll run: code ${result.code}, ${summary?.[0]}\n${result.stderr.slice(-2000)}`);
        }
        if (counts.notModified !== SOURCES - changed.length || counts.ok !== changed.length) throw new Error(`(d) upstream saw ${JSON.stringify(counts)}`);
        oursS.push(result.ms / 1000);
        oursRss.push(result.peakRssMb ?? NaN);
        oursCpu.push((result.cpuMs ?? NaN) / 1000);
      };
      const doBare = async () => {
        const result = await run('node', ['bench/bare/poll-bare.mjs', job], {}, 600_000);
        const counts = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { ok: number; notModified: number; failed: number };
        if (counts.failed > 0 || counts.ok !== changed.length) throw new Error(`(d) bare run: ${result.stdout}${result.stderr}`);
        bareS.push(result.ms / 1000);
        bareRss.push(result.peakRssMb ?? NaN);
      };
      if (r % 2 === 0) {
        await doBare();
        await doOurs();
      } else {
        await doOurs();
        await doBare();
      }
      ctx.log(
        `  (d) round ${r + 1}/${rounds}: ours ${oursS.at(-1)!.toFixed(1)} s, ${oursRss.at(-1)!.toFixed(0)} MB peak, ${oursCpu.at(-1)!.toFixed(1)} s CPU; ` +
          `bare ${bareS.at(-1)!.toFixed(1)} s, ${bareRss.at(-1)!.toFixed(0)} MB`,
      );
    }
    const figures: CycleFigures = {
      sources: SOURCES,
      changed: changedCount,
      newArticlesPerCycle: changedCount * 50,
      hosts: HOSTS,
      rounds,
      oursSeconds: round(median(oursS)),
      oursPeakRssMb: round(median(oursRss), 0),
      oursCpuSeconds: round(median(oursCpu)),
      bareSeconds: round(median(bareS)),
      barePeakRssMb: round(median(bareRss), 0),
      ratio: round(median(oursS) / median(bareS), 2),
    };
    ctx.log(
      `(d) ${SOURCES} sources, ${changedCount} changed (${figures.newArticlesPerCycle} new articles): ours ${figures.oursSeconds} s (target < 60), ` +
        `${figures.oursPeakRssMb} MB peak (target < 400); bare fetch+parse ${figures.bareSeconds} s, ${figures.barePeakRssMb} MB = ${figures.ratio}×`,
    );
    return figures;
  } finally {
    await database.close();
    await upstream.close();
  }
}
