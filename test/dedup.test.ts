// Cross-source dedup: one story carried by several upstreams under different URLs is one article
// listing every source; different stories are never merged.
import { beforeEach, describe, expect, it } from 'vitest';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { readArticlePage } from '../src/store/feeds.ts';
import { databases } from './helpers/databases.ts';
import { categoryOf, useWorld } from './helpers/fixture-world.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';

interface Item {
  title: string;
  link: string;
  body: string;
  date?: string;
}

function rss(site: string, items: Item[]): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${i.title}</title><link>${i.link}</link><guid>${i.link}</guid><pubDate>${i.date ?? 'Mon, 23 Nov 2026 08:00:00 GMT'}</pubDate><description><![CDATA[${i.body}]]></description></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>${site}</title><link>https://${site}/</link><description>${site}</description>${body}</channel></rss>`;
}

const zhTitle = '五方面入手 重庆加快建设具有全国影响力的科技创新中心';
const zhBody =
  '<p>3月9日，重庆市2022年科技创新工作会召开。记者从会上了解到，会议全面总结2021年科技创新工作，部署了2022年重点任务，重庆将聚焦“科技政策落实年”，从五方面入手深入推进以大数据智能化为引领的创新驱动发展。</p><p>去年全社会研发经费投入强度达2.21%。</p>';
const enTitle = 'Battery chemistry doubles capacity in lab tests';
const enBody =
  '<p>Researchers at a national laboratory reported a lithium-sulfur chemistry that doubled capacity over 500 cycles, according to a paper published on Monday.</p><p>More details followed.</p>';

describe.each(databases)('cross-source dedup on $name', (factory) => {
  const world = useWorld(factory);
  beforeEach(() => world.reset());

  async function ingest(feeds: Record<string, string>) {
    for (const [path, body] of Object.entries(feeds)) world.upstream.feed(path, body);
    const urls = Object.keys(feeds).map((p) => world.upstream.url(p));
    await syncCategoryDefinitions(world.database.db, [
      categoryOf('news', urls, { language: 'zh-CN', title: (url) => new URL(url).pathname.slice(1) }),
    ]);
    const summary = await pollDue(testPollerDeps(world.database.db), runAll);
    expect(summary.failed).toBe(0);
    const category = await world.database.db.selectFrom('categories').select('id').where('slug', '=', 'news').executeTakeFirstOrThrow();
    return readArticlePage(world.database.db, category.id, 100, null);
  }

  it('three upstreams, three URLs, text cut three ways: one article listing all three sources', async () => {
    const page = await ingest({
      '/a.xml': rss('a.example', [{ title: zhTitle, link: 'https://a.example/2022/03/09/123.html', body: zhBody }]),
      // A portal that truncates the text and adds a dateline-free excerpt.
      '/b.xml': rss('b.example', [{ title: zhTitle, link: 'https://b.example/news?id=9&utm_source=rss', body: zhBody.slice(0, 90) + '……' }]),
      // Same text, full-width punctuation and extra spaces, another site.
      '/c.xml': rss('c.example', [{ title: zhTitle.replace(' ', '　'), link: 'http://c.example/tech/abc', body: zhBody.replace(/，/g, ', ') }]),
    });
    expect(page.articles).toHaveLength(1);
    const sources = page.sources.get(page.articles[0]!.id)!.map((s) => s.title).sort();
    expect(sources).toEqual(['a.xml', 'b.xml', 'c.xml']);
  });

  it('the same holds for a Latin-script story with different URLs and excerpt lengths', async () => {
    const page = await ingest({
      '/x.xml': rss('x.example', [{ title: enTitle, link: 'https://x.example/battery', body: enBody }]),
      '/y.xml': rss('y.example', [{ title: enTitle, link: 'https://y.example/2026/11/23/battery-chemistry', body: enBody.slice(0, 120) }]),
      '/z.xml': rss('z.example', [{ title: `${enTitle}.`, link: 'https://z.example/p/1', body: enBody }]),
    });
    expect(page.articles).toHaveLength(1);
    expect(page.sources.get(page.articles[0]!.id)).toHaveLength(3);
  });

  it('never merges different stories: generic titles, or one headline over different text or weeks apart', async () => {
    const page = await ingest({
      '/p.xml': rss('p.example', [
        { title: 'Daily news', link: 'https://p.example/1', body: '<p>Story one about the harbour reopening after repairs finished on time.</p>' },
        { title: enTitle, link: 'https://p.example/2', body: enBody },
        { title: 'Weekly open thread', link: 'https://p.example/3', body: '<p>Talk about anything you like this week in the comments below, friends.</p>', date: 'Mon, 02 Nov 2026 08:00:00 GMT' },
      ]),
      '/q.xml': rss('q.example', [
        { title: 'Daily news', link: 'https://q.example/1', body: '<p>Story two about a concert in the park drawing record crowds of people.</p>' },
        { title: enTitle, link: 'https://q.example/2', body: '<p>An entirely different article that happens to share the headline, about sodium-ion cells in grid storage.</p>' },
        { title: 'Weekly open thread', link: 'https://q.example/3', body: '<p>Talk about anything you like this week in the comments below, friends.</p>', date: 'Mon, 23 Nov 2026 08:00:00 GMT' },
      ]),
    });
    expect(page.articles).toHaveLength(6);
  });
});
