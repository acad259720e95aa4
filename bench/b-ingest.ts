// (b) The whole ingest pipeline for new items — decode → parse → normalize (sanitize, identity) →
// dedup → store, on Postgres — against rss-parser's parseString alone on the same bytes. Each feed
// is 50 new items of ~2 KB Chinese HTML; every round uses feeds never seen before.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import Parser from 'rss-parser';
import { normalizeFeed, type NormalizedEntry } from '../src/normalize/index.ts';
import { sanitizeContent } from '../src/normalize/sanitize.ts';
import { parseFeed } from '../src/parser/index.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { ingestEntries } from '../src/store/articles.ts';
import type { Context } from './lib/context.ts';
import { openBenchDatabase } from './lib/db.ts';
import { median, round } from './lib/stats.ts';
import { zhFeed } from './lib/zh.ts';

const URL_BASE = 'http://upstream.bench/feeds';

export interface IngestFigures {
  feedBytes: number;
  itemsPerFeed: number;
  feedsPerRound: number;
  rounds: number;
  oursMsPerFeed: number;
  parseOnlyMsPerFeed: number;
  ratio: number;
  /** Where ours spends its time, ms per feed (medians). */
  stages: { decodeParseMs: number; normalizeMs: number; storeMs: number };
  itemsPerSecond: number;
  /** The floor under ours: sanitizing the items' HTML alone (the policy's two passes), per feed. */
  sanitizeOnlyMsPerFeed: number;
  sanitizeOnlyRatio: number;
  /**
   * The floor under any aggregator that stores these items in Postgres: the same 50 items' URL,
   * title and HTML inserted by one multi-row INSERT into a bare table (an id, a unique URL, no
   * other index) and committed — no dedup, no provenance, no categories. Per feed.
   */
  bareStoreMsPerFeed: number;
  bareStoreRatio: number;
  /** parse-only + bare store: the least a parse-then-store pipeline can cost, against parse-only. */
  parsePlusBareStoreRatio: number;
}

export async function benchIngest(ctx: Context): Promise<IngestFigures> {
  ctx.log('(b) ingest pipeline for new items (Postgres) vs rss-parser parseString alone');
  const rounds = ctx.quick ? 5 : 9;
  const perRound = ctx.quick ? 8 : 16;
  const warm = 4;
  const database = await openBenchDatabase('b');
  const db = database.opened.db;
  try {
    // One category with one source per round (a real source id for provenance rows).
    const sources = Array.from({ length: rounds + 1 }, (_, r) => `${URL_BASE}/${r}.xml`);
    await syncCategoryDefinitions(db, [
      { slug: 'kejiribao', title: '科技日报新闻', description: '', language: 'zh-CN', file: 'feeds/kejiribao.yaml', sources: sources.map((url) => ({ url, title: null, intervalSeconds: null })) },
    ]);
    const ids = new Map((await db.selectFrom('sources').select(['id', 'url']).execute()).map((s) => [s.url, s.id]));
    // Feed numbers never repeat, so every item of every round is new.
    let next = 0;
    const makeFeeds = (n: number) => Array.from({ length: n }, () => Buffer.from(zhFeed(next++, 50, 7)));

    const ours = async (sourceUrl: string, feeds: Buffer[], stages?: number[][]) => {
      const started = performance.now();
      for (const bytes of feeds) {
        const t0 = performance.now();
        const raw = await parseFeed(bytes, 'application/rss+xml; charset=utf-8', sourceUrl);
        const t1 = performance.now();
        const feed = normalizeFeed(raw, sourceUrl);
        const t2 = performance.now();
        const now = new Date();
        const counts = await ingestEntries(db, ids.get(sourceUrl)!, feed.entries, { now, newId: randomUUID });
        const t3 = performance.now();
        if (counts.new !== 50) throw new Error(`expected 50 new items, got ${JSON.stringify(counts)}`);
        stages?.push([t1 - t0, t2 - t1, t3 - t2]);
      }
      return (performance.now() - started) / feeds.length;
    };
    // The items' HTML, taken out before timing: what the sanitizer alone has to do per feed.
    const htmlOf = async (feeds: Buffer[]) =>
      Promise.all(feeds.map(async (bytes) => (await parseFeed(bytes, 'application/rss+xml; charset=utf-8', URL_BASE)).entries.map((e) => e.summary ?? '')));
    const sanitizeOnly = (feeds: string[][]) => {
      const started = performance.now();
      for (const items of feeds) for (const html of items) sanitizeContent(html, 'https://www.example-news.cn/kj/');
      return (performance.now() - started) / feeds.length;
    };
    const parseOnly = async (feeds: Buffer[]) => {
      const started = performance.now();
      for (const bytes of feeds) {
        const parsed = await new Parser().parseString(bytes.toString('utf8'));
        if (parsed.items.length !== 50) throw new Error('parse-only: expected 50 items');
      }
      return (performance.now() - started) / feeds.length;
    };

    await sql`CREATE TABLE bare_articles (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, url text UNIQUE, title text NOT NULL, content_html text)`.execute(db);
    const itemsOf = async (feeds: Buffer[]) =>
      Promise.all(feeds.map(async (bytes) => normalizeFeed(await parseFeed(bytes, 'application/rss+xml; charset=utf-8', URL_BASE), URL_BASE).entries));
    const bareStore = async (feeds: NormalizedEntry[][]) => {
      const started = performance.now();
      for (const entries of feeds) {
        await sql`INSERT INTO bare_articles (url, title, content_html) VALUES ${sql.join(entries.map((e) => sql`(${e.link}, ${e.title}, ${e.contentHtml})`))}`.execute(db);
      }
      return (performance.now() - started) / feeds.length;
    };

    // Warm-up: JIT, connections, the first pages of every index.
    await ours(sources[rounds]!, makeFeeds(warm));
    await parseOnly(makeFeeds(warm));
    sanitizeOnly(await htmlOf(makeFeeds(warm)));
    await bareStore(await itemsOf(makeFeeds(warm)));

    const oursMs: number[] = [];
    const parseMs: number[] = [];
    const stages: number[][] = [];
    const sanitizeMs: number[] = [];
    const bareMs: number[] = [];
    let feedBytes = 0;
    for (let r = 0; r < rounds; r++) {
      const feeds = makeFeeds(perRound);
      const html = await htmlOf(feeds);
      const items = await itemsOf(feeds);
      feedBytes = feeds[0]!.byteLength;
      if (r % 2 === 0) {
        oursMs.push(await ours(sources[r]!, feeds, stages));
        parseMs.push(await parseOnly(feeds));
        sanitizeMs.push(sanitizeOnly(html));
        bareMs.push(await bareStore(items));
      } else {
        bareMs.push(await bareStore(items));
        sanitizeMs.push(sanitizeOnly(html));
        parseMs.push(await parseOnly(feeds));
        oursMs.push(await ours(sources[r]!, feeds, stages));
      }
      ctx.log(
        `  (b) round ${r + 1}/${rounds}: ours ${oursMs.at(-1)!.toFixed(2)} ms/feed, parse-only ${parseMs.at(-1)!.toFixed(2)}, ` +
          `sanitize-only ${sanitizeMs.at(-1)!.toFixed(2)}, bare store ${bareMs.at(-1)!.toFixed(2)}`,
      );
    }
    const o = median(oursMs);
    const p = median(parseMs);
    const figures: IngestFigures = {
      feedBytes,
      itemsPerFeed: 50,
      feedsPerRound: perRound,
      rounds,
      oursMsPerFeed: round(o),
      parseOnlyMsPerFeed: round(p),
      ratio: round(o / p, 2),
      stages: {
        decodeParseMs: round(median(stages.map((s) => s[0]!))),
        normalizeMs: round(median(stages.map((s) => s[1]!))),
        storeMs: round(median(stages.map((s) => s[2]!))),
      },
      itemsPerSecond: round((50 * 1000) / o, 0),
      sanitizeOnlyMsPerFeed: round(median(sanitizeMs)),
      sanitizeOnlyRatio: round(median(sanitizeMs) / p, 2),
      bareStoreMsPerFeed: round(median(bareMs)),
      bareStoreRatio: round(median(bareMs) / p, 2),
      parsePlusBareStoreRatio: round((p + median(bareMs)) / p, 2),
    };
    ctx.log(
      `(b) ${figures.feedBytes} B feed of 50 new items: ours ${figures.oursMsPerFeed} ms vs parse-only ${figures.parseOnlyMsPerFeed} ms = ${figures.ratio}× (target ≤ 3); ` +
        `stages: decode+parse ${figures.stages.decodeParseMs}, normalize ${figures.stages.normalizeMs}, store ${figures.stages.storeMs} ms; ${figures.itemsPerSecond} items/s; ` +
        `the sanitizer alone on the items' HTML: ${figures.sanitizeOnlyMsPerFeed} ms = ${figures.sanitizeOnlyRatio}× parse-only; ` +
        `a bare INSERT of the same items into a table with no other index, committed: ${figures.bareStoreMsPerFeed} ms = ${figures.bareStoreRatio}× (parse + that = ${figures.parsePlusBareStoreRatio}×)`,
    );
    return figures;
  } finally {
    await database.close();
  }
}
