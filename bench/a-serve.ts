// (a) Serving a cached category feed: our service (Hono on @hono/node-server, Postgres behind it)
// against bare node:http sending the same bytes with the same headers from memory. 200s (no
// Accept-Encoding: the identity body) and 304s (a matching If-None-Match), autocannon on 127.0.0.1.
import type { Context } from './lib/context.ts';
import { POLL, SLUG, startBareBytes, startService, type Service } from './lib/fixtures.ts';
import { load, type LoadResult } from './lib/loadgen.ts';
import { createDatabase, type BenchDatabase } from './lib/pg.ts';
import { run } from './lib/proc.ts';
import { median, round } from './lib/stats.ts';

export interface ServeFigures {
  bodyBytes: number;
  ours200Rps: number;
  bare200Rps: number;
  /** Median over rounds of ours/bare, each round measured ours-bare-bare-ours. */
  ratio200: number;
  ours304Rps: number;
  bare304Rps: number;
  ratio304: number;
  rounds: number;
  secondsPerRun: number;
  connections: number;
}

const HEADERS_KEPT = ['content-type', 'etag', 'last-modified', 'cache-control', 'x-content-type-options', 'vary'];

/** Serves the category feed at `path` from `service` and from bare node:http, alternately, and compares. */
export async function compareServing(ctx: Context, service: Service, path: string, label: string, rounds: number, seconds: number): Promise<ServeFigures> {
  const res = await fetch(`${service.url}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${label}: ${path} answered ${res.status}`);
  const headers: Record<string, string> = {};
  for (const name of HEADERS_KEPT) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const etag = headers.etag!;
  const bare = await startBareBytes(body, headers);
  const connections = 32;
  try {
    const check = await fetch(`${bare.url}${path}`);
    const same = Buffer.from(await check.arrayBuffer()).equals(body);
    if (!same) throw new Error('bare server does not send the same bytes');
    const conditional = { 'if-none-match': etag };
    // Warm both (JIT, connection pools, the render cache).
    for (const target of [service, bare]) {
      await load(`${target.url}${path}`, { seconds: 0.75, connections });
      await load(`${target.url}${path}`, { seconds: 0.75, connections, headers: conditional });
    }
    const runs: Record<string, number[]> = { ours200: [], bare200: [], ours304: [], bare304: [] };
    const ratios: Record<string, number[]> = { r200: [], r304: [] };
    const expect = (r: LoadResult, status: string, what: string) => {
      const total = Object.values(r.statuses).reduce((a, b) => a + b, 0);
      if (r.errors > 0 || (r.statuses[status] ?? 0) !== total) throw new Error(`${what}: unexpected answers ${JSON.stringify(r)}`);
    };
    const measure = async (name: 'ours' | 'bare', target: Service, status: '200' | '304') => {
      const r = await load(`${target.url}${path}`, { seconds, connections, headers: status === '304' ? conditional : {} });
      expect(r, status, `${name} ${status}`);
      runs[`${name}${status}`]!.push(r.rps);
      return r.rps;
    };
    // Each round is ours, bare, bare, ours (ABBA) per status, so a load that drifts during the round
    // (other tenants of the machine) weighs on both sides alike; the ratio is taken per round.
    for (let i = 0; i < rounds; i++) {
      for (const status of ['200', '304'] as const) {
        const a1 = await measure('ours', service, status);
        const b1 = await measure('bare', bare, status);
        const b2 = await measure('bare', bare, status);
        const a2 = await measure('ours', service, status);
        ratios[`r${status}`]!.push((a1 + a2) / (b1 + b2));
      }
      ctx.log(
        `  ${label} round ${i + 1}/${rounds}: 200 ours ${runs.ours200!.at(-1)!.toFixed(0)} vs bare ${runs.bare200!.at(-1)!.toFixed(0)} req/s (${ratios.r200!.at(-1)!.toFixed(2)}×); ` +
          `304 ours ${runs.ours304!.at(-1)!.toFixed(0)} vs bare ${runs.bare304!.at(-1)!.toFixed(0)} req/s (${ratios.r304!.at(-1)!.toFixed(2)}×)`,
      );
    }
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<string, number>;
    return {
      bodyBytes: body.byteLength,
      ours200Rps: round(m.ours200!, 0),
      bare200Rps: round(m.bare200!, 0),
      ratio200: round(median(ratios.r200!), 3),
      ours304Rps: round(m.ours304!, 0),
      bare304Rps: round(m.bare304!, 0),
      ratio304: round(median(ratios.r304!), 3),
      rounds,
      secondsPerRun: seconds,
      connections,
    };
  } finally {
    await bare.stop();
  }
}

/** A Postgres database holding the anchor category after one real `poll --all`. */
export async function seededAnchorDatabase(ctx: Context, tag: string): Promise<{ db: BenchDatabase; env: Record<string, string> }> {
  const anchor = await ctx.anchor();
  const db = await createDatabase(tag);
  const env = { DATABASE_URL: db.url, FEEDS_DIR: anchor.feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL: 'http://bench.test' };
  const seeded = await run(POLL[0], [...POLL[1], '--all'], env);
  if (seeded.code !== 0 || !/10000 new/.test(seeded.stdout)) throw new Error(`seeding poll failed:\n${seeded.stdout.slice(-1000)}\n${seeded.stderr}`);
  return { db, env };
}

export async function benchServe(ctx: Context): Promise<ServeFigures> {
  ctx.log('(a) serving a cached category feed vs bare node:http with the same bytes');
  const { db, env } = await seededAnchorDatabase(ctx, 'a');
  let service: Service | null = null;
  try {
    service = await startService({ ...env, POLLING: 'off' });
    const figures = await compareServing(ctx, service, `/feeds/${SLUG}.atom`, '(a)', ctx.quick ? 3 : 5, ctx.quick ? 1 : 3);
    ctx.log(
      `(a) ${figures.bodyBytes} B Atom: 200s ${figures.ours200Rps} vs ${figures.bare200Rps} req/s = ${figures.ratio200}× (target ≥ 0.6); ` +
        `304s ${figures.ours304Rps} vs ${figures.bare304Rps} req/s = ${figures.ratio304}× (target ≥ 0.85)`,
    );
    return figures;
  } finally {
    await service?.stop();
    await db.drop();
  }
}
