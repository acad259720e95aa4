// The batched ingest (store/articles.ts) decides as one-by-one lookups would: an entry can be the
// same story as one stored earlier in the same batch, by fingerprint or headline key.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeFeed, type NormalizedEntry } from '../src/normalize/index.ts';
import { parseFeed } from '../src/parser/index.ts';
import { ingestEntries } from '../src/store/articles.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import type { CategoryDefinition } from '../src/sources/category-file.ts';
import { databases, type DatabaseFactory, type TestDatabase } from './helpers/databases.ts';

const FEED_URL = 'http://batch.test/feed.xml';
const title = '五方面入手 重庆加快建设具有全国影响力的科技创新中心';
const body =
  '<p>3月9日，重庆市2022年科技创新工作会召开。记者从会上了解到，会议全面总结2021年科技创新工作，部署了2022年重点任务，重庆将聚焦“科技政策落实年”，从五方面入手深入推进以大数据智能化为引领的创新驱动发展。</p><p>去年全社会研发经费投入强度达2.21%。</p>';

function rss(items: { title: string; link: string | null; body: string }[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>https://batch.test/</link><description>d</description>${items
    .map(
      (i) =>
        `<item><title>${i.title}</title>${i.link ? `<link>${i.link}</link><guid>${i.link}</guid>` : ''}<pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate><description><![CDATA[${i.body}]]></description></item>`,
    )
    .join('')}</channel></rss>`;
}

async function entriesOf(xml: string) {
  return normalizeFeed(await parseFeed(new TextEncoder().encode(xml), 'application/rss+xml', FEED_URL), FEED_URL).entries;
}

const batchCategory: CategoryDefinition = {
  slug: 'batch',
  title: 'Batch',
  description: '',
  language: 'zh-CN',
  file: 'feeds/batch.yaml',
  sources: [{ url: FEED_URL, title: null, intervalSeconds: null }],
};

/** A fresh database with the batch category and its one source. */
async function openWithBatchSource(factory: DatabaseFactory): Promise<{ database: TestDatabase; sourceId: number }> {
  const database = await factory.open();
  await syncCategoryDefinitions(database.db, [batchCategory]);
  const sourceId = (await database.db.selectFrom('sources').select('id').executeTakeFirstOrThrow()).id;
  return { database, sourceId };
}

describe.each(databases)('batched ingest on $name', (factory) => {
  let database: TestDatabase;
  let sourceId: number;
  const now = new Date('2026-11-23T09:00:00Z');
  const ingest = async (xml: string) => ingestEntries(database.db, sourceId, await entriesOf(xml), { now, newId: randomUUID });

  beforeAll(async () => {
    ({ database, sourceId } = await openWithBatchSource(factory));
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
  const story = (n: number, extra = '') => ({
    title: `第${n}号：科研团队完成新一代储能电池中试并进入示范应用阶段${extra}`,
    link: `https://batch.test/s/${n}.html`,
    body: `<p>编号${n}。新一代储能电池循环寿命超过一万次，能量密度提升三成，已在多个地区开展示范应用${extra}。</p>`,
  });

  it('tombstones keep entries out by their own kind of key only', async () => {
    const entries = await entriesOf(rss([story(100), story(101), story(102), story(103)]));
    const [a, b, c, d] = entries;
    await database.db
      .insertInto('tombstones')
      .values([
        { kind: 'entry', hash: `${sourceId}:${a!.entryHash}` },
        { kind: 'url', hash: b!.urlHash! },
        { kind: 'fingerprint', hash: c!.fingerprint! },
        // A hash under another kind than its own stops nothing.
        { kind: 'fingerprint', hash: d!.urlHash! },
        { kind: 'url', hash: d!.fingerprint! },
        { kind: 'entry', hash: d!.entryHash },
      ])
      .execute();
    const counts = await ingestEntries(database.db, sourceId, entries, { now, newId: randomUUID });
    expect(counts).toMatchObject({ new: 1, skipped: 3 });
    const stored = await database.db.selectFrom('articles').select('url').where('url', 'like', 'https://batch.test/s/10%').execute();
    expect(stored.map((r) => r.url)).toEqual(['https://batch.test/s/103.html']);
  });

  it('stores entries without guid or link', async () => {
    const counts = await ingest(rss([{ title: '没有链接的快讯：全国科技活动周将于五月下旬举行', link: null, body: '<p>全国科技活动周将于五月下旬在各地同步举行，主题为“科技创新，强国复兴”。</p>' }]));
    expect(counts).toMatchObject({ new: 1 });
    const row = await database.db
      .selectFrom('article_sources')
      .innerJoin('articles', 'articles.id', 'article_sources.article_id')
      .select(['article_sources.guid', 'article_sources.link', 'article_sources.first_seen_at'])
      .where('articles.title', 'like', '没有链接的快讯%')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ guid: null, link: null, first_seen_at: now });
  });

  it('every category listing a touched article gets a new version, through any source; nothing touched, none', async () => {
    const OTHER_URL = 'http://other.test/feed.xml';
    await syncCategoryDefinitions(database.db, [
      batchCategory,
      { ...batchCategory, slug: 'other', title: 'Other', file: 'feeds/other.yaml', sources: [{ url: OTHER_URL, title: null, intervalSeconds: null }] },
    ]);
    const otherId = (await database.db.selectFrom('sources').select('id').where('url', '=', OTHER_URL).executeTakeFirstOrThrow()).id;
    const versions = async () =>
      Object.fromEntries((await database.db.selectFrom('categories').select(['slug', 'version']).execute()).map((r) => [r.slug, Number(r.version)]));
    const listed = async (url: string) =>
      (
        await database.db
          .selectFrom('category_articles')
          .innerJoin('categories', 'categories.id', 'category_articles.category_id')
          .innerJoin('articles', 'articles.id', 'category_articles.article_id')
          .select('categories.slug')
          .where('articles.url', '=', url)
          .orderBy('categories.slug')
          .execute()
      ).map((r) => r.slug);
    const ingestAs = async (id: number, xml: string) => ingestEntries(database.db, id, await entriesOf(xml), { now, newId: randomUUID });

    // First carried by the other source: only its category changes.
    let before = await versions();
    expect(await ingestAs(otherId, rss([story(200)]))).toMatchObject({ new: 1 });
    let after = await versions();
    expect(after.other).toBeGreaterThan(before.other!);
    expect(after.batch).toBe(before.batch);
    expect(await listed(story(200).link)).toEqual(['other']);

    // The same story through this source: listed in its category too, and both change.
    before = after;
    expect(await ingest(rss([story(200)]))).toMatchObject({ duplicate: 1 });
    after = await versions();
    expect(after.batch).toBeGreaterThan(before.batch!);
    expect(after.other).toBeGreaterThan(before.other!);
    expect(await listed(story(200).link)).toEqual(['batch', 'other']);

    // Edited by its first carrier: every category listing it changes.
    before = after;
    expect(await ingestAs(otherId, rss([story(200, '，并已实现量产')]))).toMatchObject({ updated: 1 });
    after = await versions();
    expect(after.batch).toBeGreaterThan(before.batch!);
    expect(after.other).toBeGreaterThan(before.other!);

    // Seen again unchanged: no category changes, the provenance row is refreshed.
    before = after;
    const later = new Date(now.getTime() + 3_600_000);
    expect(await ingestEntries(database.db, sourceId, await entriesOf(rss([story(200)])), { now: later, newId: randomUUID })).toMatchObject({ unchanged: 1 });
    expect(await versions()).toEqual(before);
    const seen = await sql<{ last_seen_at: Date }>`SELECT last_seen_at FROM article_sources WHERE source_id = ${sourceId} AND link = ${story(200).link}`.execute(database.db);
    expect(seen.rows[0]!.last_seen_at).toEqual(later);
  });

  it('a deleted source stores nothing', async () => {
    await database.db.updateTable('sources').set({ deleted_at: now }).where('id', '=', sourceId).execute();
    try {
      expect(await ingest(rss([story(300)]))).toEqual({ new: 0, updated: 0, duplicate: 0, unchanged: 0, skipped: 0 });
      expect(await database.db.selectFrom('articles').select('id').where('url', '=', story(300).link).execute()).toEqual([]);
    } finally {
      await database.db.updateTable('sources').set({ deleted_at: null }).where('id', '=', sourceId).execute();
    }
  });
});

describe.each(databases)('article columns on $name', (factory) => {
  let database: TestDatabase;
  let sourceId: number;
  const now = new Date('2026-11-23T09:00:00Z');

  beforeAll(async () => {
    ({ database, sourceId } = await openWithBatchSource(factory));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores every column of new articles exactly, whatever characters they hold (rows go as arrays)', async () => {
    const nasty = 'a "quoted" \\ back\\slash {braces}, commas, NULL, \'single\', 科技 😀 \t tab';
    const base = (await entriesOf(rss([{ title: 'Column round trip story with enough words to key it', link: 'https://batch.test/rt/1', body }])))[0]!;
    const entries: NormalizedEntry[] = [
      { ...base, entryHash: 'rt-1', title: nasty, summary: `<p>${nasty}</p>`, author: 'NULL', tags: [nasty, '{}', 'NULL'],
        enclosures: [{ url: 'https://batch.test/rt/a.mp3?x="1"', type: 'audio/mpeg', length: 123 }], imageUrl: 'https://batch.test/rt/i.png',
        link: 'https://batch.test/rt/1', canonicalUrl: 'https://batch.test/rt/1', urlHash: '1f'.repeat(32), fingerprint: null, titleKey: null, leadText: nasty,
        publishedAt: new Date('2026-11-22T01:02:03.456Z'), updatedAt: new Date('2026-11-22T02:00:00Z') },
      { ...base, entryHash: 'rt-2', title: 'NULL', summary: null, contentHtml: null, author: null, tags: [], enclosures: [], imageUrl: null,
        link: null, canonicalUrl: null, urlHash: null, fingerprint: '2f'.repeat(32), titleKey: '3f'.repeat(32), leadText: '',
        publishedAt: new Date('2030-01-01T00:00:00Z'), updatedAt: null },
    ];
    expect(await ingestEntries(database.db, sourceId, entries, { now, newId: randomUUID })).toMatchObject({ new: 2 });
    const stored = await database.db
      .selectFrom('articles')
      .select(['title', 'summary', 'content_html', 'author', 'tags', 'enclosures', 'image_url', 'url', 'canonical_url', 'url_hash', 'fingerprint', 'title_key', 'lead_text', 'published_at', 'updated_at', 'sort_at', 'first_seen_at', 'changed_at', 'first_source_id'])
      .where('lead_text', 'in', [nasty, ''])
      .where('first_source_id', '=', sourceId)
      .orderBy('id')
      .execute();
    expect(stored).toEqual([
      { title: nasty, summary: `<p>${nasty}</p>`, content_html: base.contentHtml, author: 'NULL', tags: [nasty, '{}', 'NULL'],
        enclosures: [{ url: 'https://batch.test/rt/a.mp3?x="1"', type: 'audio/mpeg', length: 123 }], image_url: 'https://batch.test/rt/i.png',
        url: 'https://batch.test/rt/1', canonical_url: 'https://batch.test/rt/1', url_hash: '1f'.repeat(32), fingerprint: null, title_key: null, lead_text: nasty,
        published_at: new Date('2026-11-22T01:02:03.456Z'), updated_at: new Date('2026-11-22T02:00:00Z'), sort_at: new Date('2026-11-22T01:02:03.456Z'),
        first_seen_at: now, changed_at: now, first_source_id: sourceId },
      // A date in the future is stored as now (nothing pins itself to the top), all-null columns stay null.
      { title: 'NULL', summary: null, content_html: null, author: null, tags: [], enclosures: [], image_url: null,
        url: null, canonical_url: null, url_hash: null, fingerprint: '2f'.repeat(32), title_key: '3f'.repeat(32), lead_text: '',
        published_at: now, updated_at: now, sort_at: now, first_seen_at: now, changed_at: now, first_source_id: sourceId },
    ]);
  });
});
