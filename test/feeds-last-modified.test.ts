// A feed's Last-Modified moves with every change its bytes can show, so a subscriber revalidating
// by date alone (If-Modified-Since, no ETag) never gets a 304 for a feed that changed: an item
// gaining a source (another upstream carries the story), items newly listed (a source linked to the
// category), the category's own title. An empty feed is dated when its content last changed, not
// 1970. Over real HTTP, on PGlite and on Postgres when TEST_DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.ts';
import { pollDue } from '../src/poller/run.ts';
import type { CategoryDefinition } from '../src/sources/category-file.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';
import { numberedStoriesRss, rawRequest } from './helpers/http.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const PUBLIC = 'http://feeds.test';

/** HTTP dates have whole seconds: a change must land in a later second than the date a client holds. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));
}

describe.each(databases)('feed Last-Modified on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let server: AppServer;
  const definitions = (newsSources: string[], otherSources: string[], newsTitle = 'News'): CategoryDefinition[] => [
    { slug: 'news', title: newsTitle, description: '', language: 'en', file: 'feeds/news.yaml', sources: newsSources.map((p) => ({ url: upstream.url(p), title: p, intervalSeconds: null })) },
    { slug: 'other', title: 'Other', description: '', language: 'en', file: 'feeds/other.yaml', sources: otherSources.map((p) => ({ url: upstream.url(p), title: p, intervalSeconds: null })) },
    { slug: 'empty', title: 'Empty', description: '', language: 'en', file: 'feeds/empty.yaml', sources: [] },
  ];
  const poll = () => pollDue(testPollerDeps(database.db), runAll);

  /** A revalidation by date alone must answer 200 with new bytes and a later date; then 304 to that date. */
  async function expectChangedSince(path: string, held: { etag: string; lastModified: string }) {
    const res = await rawRequest(`${server.url}${path}`, { 'if-modified-since': held.lastModified });
    expect(res.status).toBe(200);
    expect(res.headers.etag).not.toBe(held.etag);
    const lastModified = String(res.headers['last-modified']);
    expect(Date.parse(lastModified)).toBeGreaterThan(Date.parse(held.lastModified));
    expect(Date.parse(lastModified)).toBeLessThanOrEqual(Date.now());
    expect((await rawRequest(`${server.url}${path}`, { 'if-modified-since': lastModified })).status).toBe(304);
    return { etag: String(res.headers.etag), lastModified, body: res.body.toString('utf8') };
  }

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/up.xml', numberedStoriesRss([1, 2, 3]));
    upstream.feed('/up2.xml', numberedStoriesRss([3, 9]));
    await syncCategoryDefinitions(database.db, definitions(['/up.xml'], []));
    await poll();
    server = await serveApp({ db: database.db, config: { publicUrl: PUBLIC, adminToken: null }, log: silentLogger, now: () => new Date(), feedStateTtlMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await database?.close();
  });

  it('moves when an item gains a source, when items are newly listed, and when the title changes', async () => {
    const first = await rawRequest(`${server.url}/feeds/news.json`);
    let held = { etag: String(first.headers.etag), lastModified: String(first.headers['last-modified']) };
    expect((await rawRequest(`${server.url}/feeds/news.json`, { 'if-modified-since': held.lastModified })).status).toBe(304);

    // Another upstream, in another category, carries story 3: news's item 3 now lists two sources,
    // and no row of news's items is rewritten.
    await nextSecond();
    await syncCategoryDefinitions(database.db, definitions(['/up.xml'], ['/up2.xml']));
    await poll();
    const gained = await expectChangedSince('/feeds/news.json', held);
    expect(gained.body).toContain(upstream.url('/up2.xml'));
    expect(gained.body).not.toContain('Story 9');
    held = gained;

    // The second upstream is linked to news too: story 9, stored long before, is listed now.
    await nextSecond();
    await syncCategoryDefinitions(database.db, definitions(['/up.xml', '/up2.xml'], ['/up2.xml']));
    const listed = await expectChangedSince('/feeds/news.json', held);
    expect(listed.body).toContain('Story 9');
    held = listed;

    // The category's title is part of every render.
    await nextSecond();
    await syncCategoryDefinitions(database.db, definitions(['/up.xml', '/up2.xml'], ['/up2.xml'], 'World news'));
    const renamed = await expectChangedSince('/feeds/news.json', held);
    expect(renamed.body).toContain('World news');

    // The merged feed moves with its categories.
    const all = await rawRequest(`${server.url}/feeds/all.json`);
    expect(Date.parse(String(all.headers['last-modified']))).toBe(Date.parse(renamed.lastModified));
  });

  it('dates an empty feed when its content last changed, not 1970, in the header and the document', async () => {
    for (const format of ['atom', 'rss', 'json']) {
      const res = await rawRequest(`${server.url}/feeds/empty.${format}`);
      expect(res.status).toBe(200);
      const lastModified = Date.parse(String(res.headers['last-modified']));
      expect(lastModified).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
      expect(res.body.toString('utf8')).not.toMatch(/1970/);
    }
  });
});
