// (c) Re-polling upstreams that send no validators and the same 200 body as last time: the poller
// fetches the body, sees its hash unchanged and stops (no parse), against parsing the same bytes
// with rss-parser alone. Ours is a whole poll cycle (pollDue, the service's limits) over N sources
// on a local upstream, per source; parse-only is parseString over the same N bodies, per body.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import Parser from 'rss-parser';
import { createNodeFetch } from '../src/entry/node-fetch.ts';
import { fetchFeed } from '../src/fetcher/index.ts';
import { silentLogger } from '../src/log.ts';
import { defaultRunOptions, pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import type { Context } from './lib/context.ts';
import { openBenchDatabase } from './lib/db.ts';
import { RemoteUpstream } from './lib/remote-upstream.ts';
import { median, round } from './lib/stats.ts';
import { zhFeed } from './lib/zh.ts';

export interface UnchangedFigures {
  sources: number;
  feedBytes: number;
  rounds: number;
  oursMsPerSource: number;
  parseOnlyMsPerSource: number;
  ratio: number;
  /** The floor under ours: the same fetches (same fetcher, same concurrency) and hashing, no database. */
  fetchHashOnlyMsPerSource: number;
  fetchHashOnlyRatio: number;
  /**
   * The floor under any poller: node:http with a keep-alive agent (2 connections per host, the
   * same concurrency) downloading the same bodies and hashing them — no guard, no database. A
   * poller that must read the body to know it is unchanged, and record that it polled, cannot
   * beat this.
   */
  bareHttpMsPerSource: number;
  bareHttpRatio: number;
  /**
   * The floor under any poller that remembers it polled: the bare node:http fetch and hash above,
   * then one committed UPDATE of the source's row (when it was fetched, when it is due next)
   * through a plain pg Pool — no claim, no lease, no fetch log. If this exceeds the target, the
   * target is below the hardware for a poller with a database.
   */
  bareRecordMsPerSource: number;
  bareRecordRatio: number;
}

export async function benchUnchanged(ctx: Context): Promise<UnchangedFigures> {
  ctx.log('(c) re-poll of unchanged upstreams without validators vs rss-parser parseString alone');
  const sources = ctx.quick ? 100 : 200;
  const rounds = ctx.quick ? 5 : 7;
  const { upstream, info } = await RemoteUpstream.start({ feeds: sources, items: 50, ports: 20, validators: false });
  const database = await openBenchDatabase('c');
  const db = database.opened.db;
  let closeBarePool = async () => {};
  const bareAgent = new http.Agent({ keepAlive: true, maxSockets: defaultRunOptions(20_000).perHost });
  try {
    await upstream.warm(info.urls.map((_, i) => i));
    // The bodies the upstream serves (zhFeed is deterministic), for parse-only and for the hash a
    // previous poll would have stored.
    const bodies = info.urls.map((_, i) => zhFeed(i, 50, 0));
    await syncCategoryDefinitions(db, [
      { slug: 'kejiribao', title: '科技日报新闻', description: '', language: 'zh-CN', file: 'feeds/kejiribao.yaml', sources: info.urls.map((url) => ({ url, title: null, intervalSeconds: null })) },
    ]);
    for (const [i, url] of info.urls.entries()) {
      const hash = createHash('sha256').update(bodies[i]!).digest('hex');
      await db.updateTable('sources').set({ body_hash: hash }).where('url', '=', url).execute();
    }
    const deps = {
      db,
      fetcher: { fetch: createNodeFetch(['127.0.0.1']), timeoutMs: 20_000, maxBytes: 10 * 1024 * 1024, userAgent: 'feedrelay-bench' },
      defaultIntervalSeconds: 900,
      now: () => new Date(),
      random: Math.random,
      newId: randomUUID,
      log: silentLogger,
      owner: `bench-${randomUUID().slice(0, 8)}`,
      scheduler: 'fixed' as const,
    };
    const ids = new Map((await db.selectFrom('sources').select(['id', 'url']).execute()).map((r) => [r.url, r.id]));
    const barePool = new pg.Pool({ connectionString: database.bench.url, max: 10 });
    closeBarePool = () => barePool.end();
    const ours = async () => {
      const started = performance.now();
      const summary = await pollDue(deps, { ...defaultRunOptions(20_000), ignoreSchedule: true });
      const ms = performance.now() - started;
      const unchanged = summary.outcomes.filter((o) => o.kind === 'unchanged').length;
      if (unchanged !== sources) throw new Error(`expected ${sources} unchanged polls, got ${JSON.stringify(summary.outcomes.slice(0, 3))}`);
      return ms / sources;
    };
    const fetchHashOnly = async () => {
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < info.urls.length) {
          const url = info.urls[next++]!;
          const result = await fetchFeed({ url, etag: null, lastModified: null }, deps.fetcher);
          if (result.kind !== 'ok') throw new Error('fetch-only: expected a body');
          createHash('sha256').update(result.body).digest('hex');
        }
      };
      await Promise.all(Array.from({ length: defaultRunOptions(20_000).concurrency }, worker));
      return (performance.now() - started) / sources;
    };
    const bareGet = (url: string) =>
      new Promise<void>((resolve, reject) => {
        http
          .get(url, { agent: bareAgent }, (response) => {
            // The least a poller can do to know the body is unchanged: read it and hash it.
            const hash = createHash('sha256');
            response.on('data', (chunk: Buffer) => hash.update(chunk));
            response.on('end', () => {
              hash.digest();
              resolve();
            });
            response.on('error', reject);
          })
          .on('error', reject);
      });
    const bareHttp = async (record = false) => {
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < info.urls.length) {
          const url = info.urls[next++]!;
          await bareGet(url);
          if (record) {
            await barePool.query("UPDATE sources SET last_fetched_at = now(), next_poll_at = now() + interval '15 minutes' WHERE id = $1", [ids.get(url)]);
          }
        }
      };
      await Promise.all(Array.from({ length: defaultRunOptions(20_000).concurrency }, worker));
      return (performance.now() - started) / sources;
    };
    const parseOnly = async () => {
      const started = performance.now();
      for (const body of bodies) await new Parser().parseString(body);
      return (performance.now() - started) / sources;
    };
    await ours();
    await parseOnly();
    await fetchHashOnly();
    await bareHttp();
    await bareHttp(true);
    const oursMs: number[] = [];
    const bareMs: number[] = [];
    const recordMs: number[] = [];
    const parseMs: number[] = [];
    const floorMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        oursMs.push(await ours());
        parseMs.push(await parseOnly());
        floorMs.push(await fetchHashOnly());
        bareMs.push(await bareHttp());
        recordMs.push(await bareHttp(true));
      } else {
        recordMs.push(await bareHttp(true));
        bareMs.push(await bareHttp());
        floorMs.push(await fetchHashOnly());
        parseMs.push(await parseOnly());
        oursMs.push(await ours());
      }
      ctx.log(
        `  (c) round ${r + 1}/${rounds}: ours ${oursMs.at(-1)!.toFixed(3)} ms/source, parse-only ${parseMs.at(-1)!.toFixed(3)}, ` +
          `fetch+hash only ${floorMs.at(-1)!.toFixed(3)}, bare node:http+hash ${bareMs.at(-1)!.toFixed(3)}, + a committed UPDATE ${recordMs.at(-1)!.toFixed(3)}`,
      );
    }
    const o = median(oursMs);
    const p = median(parseMs);
    const figures: UnchangedFigures = {
      sources,
      feedBytes: Buffer.byteLength(bodies[0]!),
      rounds,
      oursMsPerSource: round(o, 3),
      parseOnlyMsPerSource: round(p, 3),
      ratio: round(o / p, 3),
      fetchHashOnlyMsPerSource: round(median(floorMs), 3),
      fetchHashOnlyRatio: round(median(floorMs) / p, 3),
      bareHttpMsPerSource: round(median(bareMs), 3),
      bareHttpRatio: round(median(bareMs) / p, 3),
      bareRecordMsPerSource: round(median(recordMs), 3),
      bareRecordRatio: round(median(recordMs) / p, 3),
    };
    ctx.log(
      `(c) ${sources} unchanged ${figures.feedBytes} B bodies: ours ${figures.oursMsPerSource} ms/source vs parse-only ${figures.parseOnlyMsPerSource} ms = ${figures.ratio}× (target ≤ 0.2); ` +
        `the fetch and hash alone, no database: ${figures.fetchHashOnlyMsPerSource} ms = ${figures.fetchHashOnlyRatio}×; ` +
        `bare node:http downloading and hashing the same bodies: ${figures.bareHttpMsPerSource} ms = ${figures.bareHttpRatio}×, ` +
        `and recording each poll with one committed UPDATE: ${figures.bareRecordMsPerSource} ms = ${figures.bareRecordRatio}×`,
    );
    return figures;
  } finally {
    bareAgent.destroy();
    await closeBarePool();
    await database.close();
    await upstream.close();
  }
}
