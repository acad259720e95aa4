// The vertical slice on each database: feeds/ definitions → poll a real HTTP upstream on
// 127.0.0.1 → articles deduplicated in the store → a rendered category feed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { readArticlePage } from '../src/store/feeds.ts';
import type { CategoryDefinition } from '../src/sources/category-file.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const techRss = readFileSync('test/fixtures/feeds/tech-rss.xml', 'utf8');

function category(slug: string, urls: string[]): CategoryDefinition {
  return { slug, title: slug.toUpperCase(), description: '', language: 'en', file: `feeds/${slug}.yaml`, sources: urls.map((url) => ({ url, title: null, intervalSeconds: null })) };
}

describe.each(databases)('pipeline on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
  });
  afterAll(async () => {
    await Promise.all([database?.close(), upstream?.close()]);
  });

  it('syncs feeds/ definitions idempotently', async () => {
    const defs = [category('tech', [upstream.url('/tech.xml')]), category('mirror', [upstream.url('/mirror.xml'), upstream.url('/tech.xml')])];
    const first = await syncCategoryDefinitions(database.db, defs);
    expect(first).toMatchObject({ categoriesCreated: 2, sourcesCreated: 2 });
    const again = await syncCategoryDefinitions(database.db, defs);
    expect(again).toMatchObject({ categoriesCreated: 0, categoriesUpdated: 0, sourcesCreated: 0, categoriesRemoved: 0 });
    const links = await database.db.selectFrom('source_categories').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(links.n).toBe(3);
    expect(typeof links.n).toBe('number');
  });

  it('polls, stores each entry once, and serves it per category', async () => {
    upstream.feed('/tech.xml', techRss);
    // The same story under another URL spelling and guid, from a second upstream.
    upstream.feed(
      '/mirror.xml',
      techRss
        .replace('<guid isPermaLink="false">tech-1</guid>', '<guid>mirror-1</guid>')
        .replace('/tech/quantum-chip?utm_source=rss', 'HTTP://FIXTURE.TEST:80/tech/quantum-chip#top'),
    );
    const deps = testPollerDeps(database.db);
    const summary = await pollDue(deps, runAll);
    expect(summary.polled).toBe(2);
    expect(summary.failed).toBe(0);
    const byUrl = new Map(summary.outcomes.map((o) => [o.url, o]));
    const totals = summary.outcomes.reduce((n, o) => n + o.counts.new, 0);
    expect(totals).toBe(3);
    expect(summary.outcomes.reduce((n, o) => n + o.counts.duplicate, 0)).toBe(3);
    expect(byUrl.get(upstream.url('/tech.xml'))?.kind).toBe('new');

    const tech = await database.db.selectFrom('categories').selectAll().where('slug', '=', 'tech').executeTakeFirstOrThrow();
    const page = await readArticlePage(database.db, tech.id, 50, null);
    expect(page.articles.map((a) => a.title).sort()).toEqual(['Battery breakthrough', 'No date here', 'Quantum chip reaches new milestone']);
    const quantum = page.articles.find((a) => a.title.startsWith('Quantum'))!;
    // Relative link resolved against the channel link, tracking parameter dropped from the key.
    expect(quantum.url).toBe('http://fixture.test/tech/quantum-chip?utm_source=rss');
    expect(quantum.canonical_url).toBe('https://fixture.test/tech/quantum-chip');
    expect(quantum.content_html).not.toMatch(/script|javascript/i);
    expect(quantum.published_at.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    // Both upstreams are listed as sources, the first carrier first.
    expect(page.sources.get(quantum.id)?.map((s) => s.feedUrl).sort()).toEqual([upstream.url('/mirror.xml'), upstream.url('/tech.xml')].sort());
  });

  it('a second poll of unchanged upstreams is all conditional 304s and changes nothing', async () => {
    const before = await database.db.selectFrom('articles').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const versionsBefore = await database.db.selectFrom('categories').select(['slug', 'version']).orderBy('slug').execute();
    const summary = await pollDue(testPollerDeps(database.db), runAll);
    expect(summary.outcomes.map((o) => o.kind)).toEqual(['not-modified', 'not-modified']);
    const conditional = upstream.hits.get('/tech.xml')!.at(-1)!;
    expect(conditional.headers['if-none-match']).toBeTruthy();
    const after = await database.db.selectFrom('articles').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await database.db.selectFrom('categories').select(['slug', 'version']).orderBy('slug').execute()).toEqual(versionsBefore);
  });

  it("an upstream edit updates its article in place, and the item's updated date moves", async () => {
    const before = await database.db.selectFrom('articles').select(['published_at', 'updated_at']).where('title', '=', 'Battery breakthrough').executeTakeFirstOrThrow();
    // The fixture has only pubDate: the item is dated by its publication until it changes.
    expect(before.updated_at.getTime()).toBe(before.published_at.getTime());
    upstream.feed('/tech.xml', techRss.replace('Battery breakthrough', 'Battery breakthrough, confirmed'));
    const polledAt = Date.now();
    const summary = await pollDue(testPollerDeps(database.db), runAll);
    const tech = summary.outcomes.find((o) => o.url === upstream.url('/tech.xml'))!;
    expect(tech.counts).toMatchObject({ new: 0, updated: 1 });
    const titles = (await database.db.selectFrom('articles').select('title').execute()).map((r) => r.title);
    expect(titles).toContain('Battery breakthrough, confirmed');
    expect(titles).not.toContain('Battery breakthrough');
    const after = await database.db.selectFrom('articles').select(['published_at', 'updated_at']).where('title', '=', 'Battery breakthrough, confirmed').executeTakeFirstOrThrow();
    expect(after.published_at.getTime()).toBe(before.published_at.getTime());
    expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(polledAt - 1000);
    expect(after.updated_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('marks a broken upstream erroring and keeps polling the others', async () => {
    upstream.route('/tech.xml', (_req, res) => void res.writeHead(500).end('boom'));
    const summary = await pollDue(testPollerDeps(database.db), runAll);
    const tech = summary.outcomes.find((o) => o.url === upstream.url('/tech.xml'))!;
    const mirror = summary.outcomes.find((o) => o.url === upstream.url('/mirror.xml'))!;
    expect(tech.kind).toBe('error');
    expect(mirror.kind).toBe('not-modified');
    const row = await database.db.selectFrom('sources').selectAll().where('url', '=', upstream.url('/tech.xml')).executeTakeFirstOrThrow();
    expect(row.status).toBe('erroring');
    expect(row.consecutive_errors).toBe(1);
    expect(row.last_error).toMatch(/HTTP 500/);
    expect(row.next_poll_at.getTime()).toBeGreaterThan(Date.now());
    const log = await database.db.selectFrom('fetches').selectAll().where('source_id', '=', row.id).orderBy('id', 'desc').execute();
    expect(log[0]).toMatchObject({ outcome: 'error', http_status: 500 });
  });
});
