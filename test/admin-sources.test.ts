// /admin/sources over real HTTP on each database, against fixture upstreams on 127.0.0.1: adding
// (checked, discovered from a page, refused with reasons), the 409 answer, health, pause/resume,
// interval and categories, poll now, the fetch log, soft delete.
import net from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../src/entry/node-fetch.ts';
import { silentLogger } from '../src/log.ts';
import { rankFeedLinks } from '../src/operations/discover.ts';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import type { CategoryDefinition } from '../src/sources/category-file.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const TOKEN = 'test-admin-token';

function rss(title: string, stories: string[]): string {
  const items = stories
    .map((s, i) => `<item><title>${s}</title><link>http://stories.test/${encodeURIComponent(s)}</link><guid>${s}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1, i)).toUTCString()}</pubDate><description>About ${s}</description></item>`)
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>http://stories.test/</link><description>d</description>${items}</channel></rss>`;
}

function jsonFeed(title: string, stories: string[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title,
    items: stories.map((s) => ({ id: `json-${s}`, url: `http://json.test/${s}`, title: s, content_text: s })),
  });
}

const page = (links: string) =>
  `<!DOCTYPE html><html><head><title>A blog</title>${links}</head><body><h1>A blog</h1><p>Posts.</p></body></html>`;

/** Records every address anything in this process tries to open a TCP connection to. */
const connectAttempts: string[] = [];
const originalConnect = net.Socket.prototype.connect;

interface Answer<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

describe.each(databases)('admin sources on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let server: AppServer;

  async function call(method: string, path: string, body?: unknown, raw?: string): Promise<Answer> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  const feedItems = async (slug: string) =>
    ((await (await fetch(`${server.url}/feeds/${slug}.json`)).json()) as { items: { title: string }[] }).items.map((i) => i.title);

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/tech.xml', rss('Tech', ['t1', 't2']));
    upstream.feed('/news.xml', rss('News upstream', ['n1', 'n2', 'n3']));
    upstream.feed('/blog/feed.xml', rss('Blog', ['b1', 'b2']));
    upstream.feed('/blog/feed.json', jsonFeed('Blog JSON', ['j1']), 'application/feed+json');
    upstream.feed(
      '/blog/',
      // JSON Feed listed first: the ranking still prefers RSS (Atom > RSS > JSON Feed).
      page('<link rel="alternate" type="application/feed+json" href="feed.json"><link rel="alternate" type="application/rss+xml" title="Posts" href="/blog/feed.xml">'),
      'text/html; charset=utf-8',
    );
    upstream.feed('/plain/', page(''), 'text/html; charset=utf-8');
    upstream.feed('/text', 'just some words', 'text/plain');
    upstream.route('/broken.xml', (_req, res) => void res.writeHead(500).end('oops'));
    upstream.route('/into-private', (_req, res) => void res.writeHead(302, { location: `http://127.0.0.2:${new URL(upstream.origin).port}/news.xml` }).end());
    await syncCategoryDefinitions(database.db, [
      {
        slug: 'tech',
        title: 'Tech',
        description: '',
        language: 'en',
        file: 'feeds/tech.yaml',
        sources: [
          { url: upstream.url('/tech.xml'), title: null, intervalSeconds: null },
          { url: upstream.url('/broken.xml'), title: 'Broken', intervalSeconds: null },
        ],
      } satisfies CategoryDefinition,
    ]);
    await pollDue(testPollerDeps(database.db), runAll);
    // `inward.test` resolves to a loopback address outside the allowlist: refused at connect time.
    const lookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
      if (hostname === 'inward.test') {
        const all = (options as { all?: boolean }).all;
        return all ? callback(null, [{ address: '127.0.0.2', family: 4 }]) : callback(null, '127.0.0.2', 4);
      }
      return (dnsLookup as (...args: unknown[]) => void)(hostname, options, callback);
    }) as unknown as LookupFunction;
    const poller = testPollerDeps(database.db, {});
    poller.fetcher = { ...poller.fetcher, fetch: createNodeFetch(['127.0.0.1'], { lookup }) };
    server = await serveApp({
      db: database.db,
      config: { publicUrl: 'http://feeds.test', adminToken: TOKEN, allowPrivateUpstreams: ['127.0.0.1'] },
      log: silentLogger,
      now: () => new Date(),
      feedStateTtlMs: 0,
      poller,
    });
    expect((await call('POST', '/admin/categories', { slug: 'news', title: 'News' })).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), upstream?.close()]);
    await database?.close();
  });
  beforeEach(() => {
    connectAttempts.length = 0;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      // net.connect(options) / (port, host) / (path); normalised calls arrive as [options, cb].
      let first = args[0] as unknown;
      if (Array.isArray(first)) first = first[0];
      const options = first as { host?: string; path?: string } | number | string;
      connectAttempts.push(
        typeof options === 'object' && options !== null ? String(options.host ?? options.path ?? 'localhost') : String(args[1] ?? options),
      );
      return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  });
  afterEach(() => {
    net.Socket.prototype.connect = originalConnect;
  });

  it('lists every source with its health', async () => {
    const { status, body } = await call('GET', '/admin/sources');
    expect(status).toBe(200);
    const byUrl = new Map((body.sources as any[]).map((s) => [s.url, s]));
    const tech = byUrl.get(upstream.url('/tech.xml'));
    expect(tech).toMatchObject({
      status: 'ok',
      polled: true,
      categories: ['tech'],
      file_categories: ['tech'],
      in_feeds_dir: true,
      added_by_api: false,
      last_http_status: 200,
      last_error: null,
      consecutive_errors: 0,
      articles_last_24h: 2,
      feed_title: 'Tech',
    });
    expect(new Date(tech.last_fetched_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(new Date(tech.next_poll_at).getTime()).toBeGreaterThan(Date.now());
    const broken = byUrl.get(upstream.url('/broken.xml'));
    expect(broken).toMatchObject({ status: 'erroring', last_http_status: 500, consecutive_errors: 1, articles_last_24h: 0, title: 'Broken' });
    expect(broken.last_error).toMatch(/HTTP 500/);
    expect((await call('GET', '/admin/sources?status=erroring')).body.sources.map((s: any) => s.url)).toEqual([upstream.url('/broken.xml')]);
    expect((await call('GET', '/admin/sources?category=tech')).body.sources).toHaveLength(2);
    expect((await call('GET', '/admin/sources?status=bogus')).status).toBe(400);
  });

  it('adds a feed: checks it, stores the articles of that one fetch, and answers 201', async () => {
    const before = upstream.hits.get('/news.xml')?.length ?? 0;
    const { status, body } = await call('POST', '/admin/sources', { url: upstream.url('/news.xml'), categories: ['news'], interval: '30m' });
    expect(status).toBe(201);
    expect(body.source).toMatchObject({
      url: upstream.url('/news.xml'),
      status: 'ok',
      categories: ['news'],
      added_by_api: true,
      in_feeds_dir: false,
      interval_seconds: 1800,
      last_http_status: 200,
      feed_title: 'News upstream',
      articles_last_24h: 3,
    });
    expect(body.poll).toMatchObject({ result: 'new', new: 3, updated: 0, duplicate: 0, http_status: 200 });
    expect(body.discovery).toBeNull();
    // One request to the upstream: the checking fetch is what got stored.
    expect((upstream.hits.get('/news.xml')?.length ?? 0) - before).toBe(1);
    expect(await feedItems('news')).toEqual(expect.arrayContaining(['n1', 'n2', 'n3']));
    // Its validators were recorded: the next poll is conditional and answered 304.
    const polled = await call('POST', `/admin/sources/${body.source.id}/poll`);
    expect(polled.status).toBe(200);
    expect(polled.body.poll).toMatchObject({ result: 'not-modified', http_status: 304, new: 0 });
    expect(upstream.hits.get('/news.xml')!.at(-1)!.headers['if-none-match']).toBeTruthy();
  });

  it('answers 409 with the existing source, adding the categories given', async () => {
    const { status, body } = await call('POST', '/admin/sources', { url: upstream.url('/tech.xml'), categories: ['news'] });
    expect(status).toBe(409);
    expect(body.error).toMatch(/already a source/);
    expect(body.source).toMatchObject({ url: upstream.url('/tech.xml'), categories: ['news', 'tech'], file_categories: ['tech'], added_by_api: true });
    // The source's existing articles appear in the category at once.
    expect(await feedItems('news')).toEqual(expect.arrayContaining(['t1', 't2']));
  });

  it('discovers the feed a site page advertises, stores it and polls it into its category', async () => {
    const { status, body } = await call('POST', '/admin/sources', { url: upstream.url('/blog/'), categories: ['news'] });
    expect(status).toBe(201);
    expect(body.source.url).toBe(upstream.url('/blog/feed.xml'));
    expect(body.discovery.page).toBe(upstream.url('/blog/'));
    expect(body.discovery.chosen).toMatchObject({ url: upstream.url('/blog/feed.xml'), type: 'application/rss+xml', title: 'Posts' });
    expect(body.discovery.alternatives.map((a: any) => a.url)).toEqual([upstream.url('/blog/feed.json')]);
    expect(body.poll).toMatchObject({ result: 'new', new: 2 });
    expect(await feedItems('news')).toEqual(expect.arrayContaining(['b1', 'b2']));
    // The page URL now answers 409 with the source found through it.
    const again = await call('POST', '/admin/sources', { url: upstream.url('/blog/'), categories: ['news'] });
    expect(again.status).toBe(409);
    expect(again.body.source.id).toBe(body.source.id);
  });

  it('ranks advertised feeds Atom, RSS, JSON Feed, keeping the page order otherwise', () => {
    const ranked = rankFeedLinks(
      [
        { url: '/comments.json', type: 'application/feed+json' },
        { href: 'rss.xml', type: 'application/rss+xml' },
        'untyped.xml',
        { url: '/atom.xml', type: 'application/atom+xml', title: 'Atom' },
        { url: '/atom2.xml', type: 'application/atom+xml' },
        'javascript:alert(1)',
        { url: '/atom.xml#x', type: 'application/atom+xml' },
      ],
      'http://site.test/blog/',
    );
    expect(ranked.map((l) => l.url)).toEqual([
      'http://site.test/atom.xml',
      'http://site.test/atom2.xml',
      'http://site.test/blog/rss.xml',
      'http://site.test/comments.json',
      'http://site.test/blog/untyped.xml',
    ]);
  });

  it('refuses what is not a feed with 422 and the reason', async () => {
    const cases: [string, RegExp][] = [
      [upstream.url('/plain/'), /not a feed.*HTML page.*advertises no feed/],
      [upstream.url('/text'), /not a feed/],
      [upstream.url('/missing.xml'), /HTTP 404/],
    ];
    for (const [url, reason] of cases) {
      const { status, body } = await call('POST', '/admin/sources', { url, categories: ['news'] });
      expect(status, url).toBe(422);
      expect(body.error, url).toMatch(reason);
    }
    const { body } = await call('GET', '/admin/sources');
    expect((body.sources as any[]).some((s) => /plain|text|missing/.test(s.url))).toBe(false);
  });

  it('refuses inward addresses and other schemes, before connecting where the URL shows it', async () => {
    const port = new URL(upstream.origin).port;
    // The spy sees the guarded fetcher's connections (a fresh agent, so nothing is reused).
    await (await createNodeFetch(['127.0.0.1'])(upstream.url('/news.xml'), { headers: {}, redirect: 'manual', signal: AbortSignal.timeout(5000) })).body?.cancel();
    expect(connectAttempts).toContain('127.0.0.1');
    connectAttempts.length = 0;
    const refused: [string, number, RegExp][] = [
      [`http://127.0.0.2:${port}/news.xml`, 422, /private\/loopback/],
      [`http://169.254.169.254/latest/meta-data/`, 422, /private\/loopback/],
      [`http://10.0.0.1/feed.xml`, 422, /private\/loopback/],
      [`http://[::1]:${port}/news.xml`, 422, /private\/loopback/],
      [`http://[::ffff:10.0.0.1]/feed.xml`, 422, /private\/loopback/],
      [`http://0x7f.2:${port}/news.xml`, 422, /private\/loopback/],
      [`http://user:pass@127.0.0.1:${port}/news.xml`, 422, /user name or password/],
      ['file:///etc/passwd', 422, /only http and https.*file:/],
      ['gopher://127.0.0.1:70/1', 422, /only http and https.*gopher:/],
      ['ftp://example.org/feed.xml', 422, /only http and https/],
      ['javascript:alert(1)', 422, /only http and https/],
      ['data:application/rss+xml,<rss/>', 422, /only http and https/],
      ['not a url', 400, /url: .*not an absolute URL/],
    ];
    for (const [url, expected, reason] of refused) {
      const { status, body } = await call('POST', '/admin/sources', { url, categories: ['news'] });
      expect(status, url).toBe(expected);
      expect(body.error, url).toMatch(reason);
    }
    // Only the test's own calls to the app went out: no connection to any refused address.
    expect(connectAttempts.filter((h) => h !== '127.0.0.1' && h !== 'localhost')).toEqual([]);

    // A name that resolves inward is refused at connect time, after DNS.
    const inward = await call('POST', '/admin/sources', { url: `http://inward.test:${port}/news.xml`, categories: ['news'] });
    expect(inward.status).toBe(422);
    expect(inward.body.error).toMatch(/inward\.test resolves to 127\.0\.0\.2.*ALLOW_PRIVATE_UPSTREAMS/);
    // A redirect into the private network is refused at the hop.
    const redirected = await call('POST', '/admin/sources', { url: upstream.url('/into-private'), categories: ['news'] });
    expect(redirected.status).toBe(422);
    expect(redirected.body.error).toMatch(/127\.0\.0\.2.*private\/loopback/);
    expect(connectAttempts.filter((h) => h !== '127.0.0.1' && h !== 'localhost' && h !== 'inward.test')).toEqual([]);
  });

  it('validates input: 400 naming the field, 422 for an unknown category', async () => {
    const bad: [string | object, number, RegExp][] = [
      ['{"url": ', 400, /^body: not valid JSON/],
      ['', 400, /^body: a JSON object is required/],
      ['[1,2]', 400, /^body: must be a JSON object/],
      [{ categories: ['news'] }, 400, /^url: is required$/],
      [{ url: upstream.url('/x.xml') }, 400, /^categories: is required$/],
      [{ url: upstream.url('/x.xml'), categories: [] }, 400, /^categories: must name at least one category/],
      [{ url: upstream.url('/x.xml'), categories: 'news' }, 400, /^categories: must be an array/],
      [{ url: upstream.url('/x.xml'), categories: ['Not A Slug'] }, 400, /^categories\[0\]: must be a category slug/],
      [{ url: 42, categories: ['news'] }, 400, /^url: must be a string/],
      [{ url: upstream.url('/x.xml'), categories: ['news'], interval: '5s' }, 400, /^interval: must be between 60s and 7d/],
      [{ url: upstream.url('/x.xml'), categories: ['news'], interval: 'soon' }, 400, /^interval: "soon" is not a duration/],
      [{ url: upstream.url('/x.xml'), categories: ['news'], catgories: ['x'] }, 400, /^catgories: unknown field/],
      [{ url: upstream.url('/x.xml'), categories: ['nope'] }, 422, /^categories: no category "nope"/],
    ];
    for (const [body, expected, reason] of bad) {
      const res = typeof body === 'string' ? await call('POST', '/admin/sources', undefined, body) : await call('POST', '/admin/sources', body);
      expect(res.status, JSON.stringify(body)).toBe(expected);
      expect(res.body.error, JSON.stringify(body)).toMatch(reason);
    }
    // Nothing was fetched for any of them.
    expect(upstream.hits.get('/x.xml')).toBeUndefined();
  });

  it('pauses, resumes, changes interval, title and categories', async () => {
    const { body: added } = await call('POST', '/admin/sources', { url: upstream.url('/blog/feed.json'), categories: ['news'] });
    const id = added.source.id as number;
    const paused = await call('PATCH', `/admin/sources/${id}`, { status: 'paused' });
    expect(paused.body.source).toMatchObject({ status: 'paused', polled: false, next_poll_at: null });
    const refusedPoll = await call('POST', `/admin/sources/${id}/poll`);
    expect(refusedPoll.status).toBe(409);
    expect(refusedPoll.body.error).toMatch(/paused/);
    const resumed = await call('PATCH', `/admin/sources/${id}`, { status: 'ok', interval: '2h', title: 'Blog (JSON)' });
    expect(resumed.body.source).toMatchObject({ status: 'ok', polled: true, interval_seconds: 7200, title: 'Blog (JSON)' });
    expect(new Date(resumed.body.source.next_poll_at).getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const moved = await call('PATCH', `/admin/sources/${id}`, { categories: ['tech'] });
    expect(moved.body.source.categories).toEqual(['tech']);
    expect(await feedItems('tech')).toContain('j1');
    const cleared = await call('PATCH', `/admin/sources/${id}`, { interval: null, title: null });
    expect(cleared.body.source).toMatchObject({ interval_seconds: null, title: null });
    // Polled just now, so its next poll is hours away; a shorter interval brings it forward.
    await call('POST', `/admin/sources/${id}/poll`);
    expect(new Date((await call('GET', `/admin/sources/${id}`)).body.source.next_poll_at).getTime()).toBeGreaterThan(Date.now() + 600_000);
    const sooner = await call('PATCH', `/admin/sources/${id}`, { interval: 120 });
    expect(sooner.body.source.interval_seconds).toBe(120);
    expect(new Date(sooner.body.source.next_poll_at).getTime()).toBeLessThanOrEqual(Date.now() + 121_000);

    // A link that a feeds/ file made belongs to the file.
    const techSource = (await call('GET', '/admin/sources?category=tech')).body.sources.find((s: any) => s.url === upstream.url('/tech.xml'));
    const fileOwned = await call('PATCH', `/admin/sources/${techSource.id}`, { categories: ['news'] });
    expect(fileOwned.status).toBe(422);
    expect(fileOwned.body.error).toMatch(/feeds\/tech\.yaml/);

    expect((await call('PATCH', `/admin/sources/${id}`, {})).body.error).toMatch(/^body: name at least one/);
    expect((await call('PATCH', `/admin/sources/${id}`, { status: 'gone' })).body.error).toMatch(/^status: must be "paused" or "ok"/);
    expect((await call('PATCH', `/admin/sources/${id}`, { categories: ['nope'] })).status).toBe(422);
    expect((await call('PATCH', '/admin/sources/999999', { status: 'paused' })).status).toBe(404);
  });

  it('polls now, answering what happened, and keeps the fetch log', async () => {
    const list = (await call('GET', '/admin/sources')).body.sources as any[];
    const tech = list.find((s) => s.url === upstream.url('/tech.xml'));
    upstream.feed('/tech.xml', rss('Tech', ['t1', 't2', 't3']));
    const polled = await call('POST', `/admin/sources/${tech.id}/poll`);
    expect(polled.status).toBe(200);
    expect(polled.body.poll).toMatchObject({ result: 'new', status: 'ok', http_status: 200, new: 1, updated: 0, duplicate: 0, unchanged: 2 });
    expect(polled.body.source.articles_last_24h).toBe(3);

    const broken = list.find((s) => s.url === upstream.url('/broken.xml'));
    const failed = await call('POST', `/admin/sources/${broken.id}/poll`);
    expect(failed.status).toBe(200);
    expect(failed.body.poll).toMatchObject({ result: 'error', status: 'erroring', http_status: 500 });
    expect(failed.body.source.consecutive_errors).toBe(2);

    const log = await call('GET', `/admin/sources/${tech.id}/fetches`);
    expect(log.status).toBe(200);
    expect(log.body.fetches.length).toBeGreaterThanOrEqual(2);
    expect(log.body.fetches[0]).toMatchObject({ result: 'new', http_status: 200, new: 1, url: upstream.url('/tech.xml') });
    expect(new Date(log.body.fetches[0].started_at).getTime()).toBeGreaterThanOrEqual(new Date(log.body.fetches[1].started_at).getTime());
    expect((await call('GET', `/admin/sources/${tech.id}/fetches?limit=1`)).body.fetches).toHaveLength(1);
    expect((await call('GET', `/admin/sources/${tech.id}/fetches?limit=0`)).status).toBe(400);
    expect((await call('GET', `/admin/sources/${broken.id}/fetches`)).body.fetches[0]).toMatchObject({ result: 'error', http_status: 500, error: expect.stringMatching(/HTTP 500/) });
  });

  it('deletes a source softly: gone from the API and the scheduler, back only when added again', async () => {
    const { body: added } = await call('POST', '/admin/sources', { url: upstream.url('/blog/feed.json'), categories: ['news'] });
    const id = added.source.id as number;
    const removed = await call('DELETE', `/admin/sources/${id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.source).toMatchObject({ id, categories: [], polled: false });
    expect(removed.body.source.deleted_at).toBeTruthy();
    expect((await call('GET', `/admin/sources/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/admin/sources/${id}`)).status).toBe(404);
    expect((await call('POST', `/admin/sources/${id}/poll`)).status).toBe(404);
    expect((await call('GET', `/admin/sources/${id}/fetches`)).status).toBe(404);
    expect(((await call('GET', '/admin/sources')).body.sources as any[]).some((s) => s.id === id)).toBe(false);
    const due = await pollDue(testPollerDeps(database.db), runAll);
    expect(due.outcomes.some((o) => o.sourceId === id)).toBe(false);

    const back = await call('POST', '/admin/sources', { url: upstream.url('/blog/feed.json'), categories: ['tech'] });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ restored: true, source: { id, categories: ['tech'], status: 'ok' } });
  });

  it('refuses control characters in a title with 400 naming the field, before fetching anything', async () => {
    const hitsBefore = [...upstream.hits.values()].reduce((n, h) => n + h.length, 0);
    const added = await call('POST', '/admin/sources', { url: upstream.url('/never-fetched.xml'), categories: ['tech'], title: 'x\u0000' });
    expect(added.status).toBe(400);
    expect(added.body.error).toMatch(/^title: must not contain control characters/);
    expect([...upstream.hits.values()].reduce((n, h) => n + h.length, 0)).toBe(hitsBefore);
    const list = await call('GET', '/admin/sources');
    const id = list.body.sources[0].id;
    const patched = await call('PATCH', `/admin/sources/${id}`, { title: 'a\u0000b' });
    expect(patched.status).toBe(400);
    expect(patched.body.error).toMatch(/^title: must not contain control characters/);
  });

  it('answers 404 JSON for an id in the path that names no source, whatever its form', async () => {
    expect((await call('GET', '/admin/sources/424242')).body).toEqual({ error: 'no source with id 424242' });
    expect((await call('GET', '/admin/sources/424242')).status).toBe(404);
    for (const [method, path] of [
      ['GET', '/admin/sources/abc'],
      ['GET', '/admin/sources/-1'],
      ['GET', '/admin/sources/0'],
      ['GET', '/admin/sources/1.5'],
      ['GET', '/admin/sources/99999999999999999999'],
      ['PATCH', '/admin/sources/abc'],
      ['DELETE', '/admin/sources/abc'],
      ['POST', '/admin/sources/abc/poll'],
      ['GET', '/admin/sources/abc/fetches'],
    ] as const) {
      const answer = await call(method, path, method === 'PATCH' ? { status: 'paused' } : undefined);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error, `${method} ${path}`).toMatch(/^no source with id "/);
    }
  });
});
