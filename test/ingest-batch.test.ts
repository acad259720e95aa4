// The batched ingest (store/articles.ts) decides as one-by-one lookups would: an entry can be the
// same story as one stored earlier in the same batch, by fingerprint or headline key.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeFeed } from '../src/normalize/index.ts';
import { parseFeed } from '../src/parser/index.ts';
import { ingestEntries } from '../src/store/articles.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';

const FEED_URL = 'http://batch.test/feed.xml';
const title = '五方面入手 重庆加快建设具有全国影响力的科技创新中心';
const body =
  '<p>3月9日，重庆市2022年科技创新工作会召开。记者从会上了解到，会议全面总结2021年科技创新工作，部署了2022年重点任务，重庆将聚焦“科技政策落实年”，从五方面入手深入推进以大数据智能化为引领的创新驱动发展。</p><p>去年全社会研发经费投入强度达2.21%。</p>';

function rss(items: { title: string; link: string; body: string }[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>https://batch.test/</link><description>d</description>${items
    .map((i) => `<item><title>${i.title}</title><link>${i.link}</link><guid>${i.link}</guid><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate><description><![CDATA[${i.body}]]></description></item>`)
    .join('')}</channel></rss>`;
}

async function entriesOf(xml: string) {
  return normalizeFeed(await parseFeed(new TextEncoder().encode(xml), 'application/rss+xml', FEED_URL), FEED_URL).entries;
}

describe.each(databases)('batched ingest on $name', (factory) => {
  let database: TestDatabase;
  let sourceId: number;
  const now = new Date('2026-11-23T09:00:00Z');
  const ingest = async (xml: string) => ingestEntries(database.db, sourceId, await entriesOf(xml), { now, newId: randomUUID });

  beforeAll(async () => {
    database = await factory.open();
    await syncCategoryDefinitions(database.db, [
      { slug: 'batch', title: 'Batch', description: '', language: 'zh-CN', file: 'feeds/batch.yaml', sources: [{ url: FEED_URL, title: null, intervalSeconds: null }] },
    ]);
    sourceId = (await database.db.selectFrom('sources').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('one story twice in one feed under two links is one article with two provenance rows', async () => {
    const counts = await ingest(
      rss([
        { title, link: 'https://batch.test/a/1.html', body },
        { title: 'A different story about rivers and bridges in the spring', link: 'https://batch.test/b/2.html', body: '<p>The bridge over the river reopened after a long winter of repairs and inspections by engineers.</p>' },
        // The same story again, its text cut shorter: the headline key finds the first one.
        { title, link: 'https://batch.test/c/3.html', body: body.slice(0, 90) },
      ]),
    );
    expect(counts).toMatchObject({ new: 2, duplicate: 1, unchanged: 0 });
    const provenance = await database.db.selectFrom('article_sources').select(['article_id', 'link']).where('source_id', '=', sourceId).orderBy('link').execute();
    expect(provenance).toHaveLength(3);
    expect(provenance[0]!.article_id).toBe(provenance[2]!.article_id);
    expect(provenance[1]!.article_id).not.toBe(provenance[0]!.article_id);
    // Ids follow the feed's order, as one insert per entry gave them.
    const articles = await database.db.selectFrom('articles').select(['id', 'url']).orderBy('id').execute();
    expect(articles.map((a) => a.url)).toEqual(['https://batch.test/a/1.html', 'https://batch.test/b/2.html']);
  });

  it('a second ingest of the same entries changes nothing; new entries among old ones are new', async () => {
    const xml = rss([{ title, link: 'https://batch.test/a/1.html', body }]);
    expect(await ingest(xml)).toMatchObject({ new: 0, duplicate: 0, unchanged: 1 });
    const many = Array.from({ length: 30 }, (_, i) => ({
      title: `第${i}号：我国科研人员成功研制出新型量子计算原型机并完成测试`,
      link: `https://batch.test/q/${i}.html`,
      body: `<p>编号${i}。据介绍，项目团队历时${i + 2}年攻关，突破了多项关键核心技术，相关技术已申请发明专利${i}项。</p>`,
    }));
    expect(await ingest(rss(many.slice(0, 20)))).toMatchObject({ new: 20, duplicate: 0 });
    expect(await ingest(rss(many))).toMatchObject({ new: 10, unchanged: 20, duplicate: 0 });
    const total = await database.db.selectFrom('articles').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(32);
  });
});
