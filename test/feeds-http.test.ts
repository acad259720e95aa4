// Feed responses over real HTTP: validators, 304s, HEAD, compression, paging, cache invalidation
// across app instances (as across processes), errors.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressRender } from '../src/entry/compress.ts';
import { silentLogger } from '../src/log.ts';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';
import { numberedStoriesRss, rawRequest } from './helpers/http.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const PUBLIC = 'http://feeds.test';



describe.each(databases)('feeds over HTTP on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let one: AppServer;
  let two: AppServer;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/up.xml', numberedStoriesRss([1, 2, 3, 4, 5]));
    await syncCategoryDefinitions(database.db, [
      { slug: 'news', title: 'News', description: 'All the news', language: 'en', file: 'feeds/news.yaml', sources: [{ url: upstream.url('/up.xml'), title: 'Upstream', intervalSeconds: null }] },
    ]);
    await pollDue(testPollerDeps(database.db), runAll);
    const deps = { db: database.db, config: { publicUrl: PUBLIC, adminToken: null }, log: silentLogger, now: () => new Date(), compress: compressRender, feedStateTtlMs: 0 };
    // Two app instances on one database stand for two processes.
    [one, two] = await Promise.all([serveApp(deps), serveApp(deps)]);
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close(), upstream?.close()]);
    await database?.close();
  });

  it('answers with the right headers and the same strong ETag from every instance', async () => {
    const a = await rawRequest(`${one.url}/feeds/news.atom`);
    const b = await rawRequest(`${two.url}/feeds/news.atom`);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers.vary).toMatch(/Accept-Encoding/i);
    expect(a.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(a.body.equals(b.body)).toBe(true);
    const maxAge = Number(/max-age=(\d+)/.exec(String(a.headers['cache-control']))?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(60);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(new Date(String(a.headers['last-modified'])).getTime()).toBeGreaterThan(0);
  });

  it('answers 304 to If-None-Match and If-Modified-Since, If-None-Match winning', async () => {
    const first = await rawRequest(`${one.url}/feeds/news.rss`);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect((await rawRequest(`${one.url}/feeds/news.rss`, { 'if-none-match': etag })).status).toBe(304);
    expect((await rawRequest(`${one.url}/feeds/news.rss`, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await rawRequest(`${one.url}/feeds/news.rss`, { 'if-modified-since': lastModified })).status).toBe(304);
    // A stale ETag wins over a fresh date: RFC 9110 §13.2.2.
    expect((await rawRequest(`${one.url}/feeds/news.rss`, { 'if-none-match': '"stale"', 'if-modified-since': lastModified })).status).toBe(200);
    expect((await rawRequest(`${one.url}/feeds/news.rss`, { 'if-modified-since': new Date(0).toUTCString() })).status).toBe(200);
    const notModified = await rawRequest(`${one.url}/feeds/news.rss`, { 'if-none-match': etag });
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
  });

  it('answers HEAD with headers and no body', async () => {
    const head = await rawRequest(`${one.url}/feeds/news.json`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    expect(head.headers.etag).toMatch(/^"/);
    expect(head.body.length).toBe(0);
  });

  it('compresses with gzip or brotli as the client accepts, same bytes underneath', async () => {
    const plain = await rawRequest(`${one.url}/feeds/news.json`);
    const gz = await rawRequest(`${one.url}/feeds/news.json`, { 'accept-encoding': 'gzip' });
    const br = await rawRequest(`${one.url}/feeds/news.json`, { 'accept-encoding': 'gzip;q=0.5, br' });
    const none = await rawRequest(`${one.url}/feeds/news.json`, { 'accept-encoding': 'gzip;q=0, br;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).toBe(plain.headers.etag);
  });

  it('pages with absolute next links that keep limit and reach every item once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${one.url}/feeds/news.json?limit=2`;
    let pages = 0;
    while (url) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { title: string }[]; next_url?: string };
      seen.push(...body.items.map((i) => i.title));
      pages++;
      if (body.next_url) {
        expect(body.next_url.startsWith(`${PUBLIC}/feeds/news.json?`)).toBe(true);
        expect(new URL(body.next_url).searchParams.get('limit')).toBe('2');
        url = body.next_url.replace(PUBLIC, one.url);
      } else {
        url = undefined;
      }
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['Story 5', 'Story 4', 'Story 3', 'Story 2', 'Story 1']);
    const atom = await (await fetch(`${one.url}/feeds/news.atom?limit=2`)).text();
    expect(atom).toMatch(/<link rel="next" type="application\/atom\+xml" href="http:\/\/feeds\.test\/feeds\/news\.atom\?limit=2&amp;before=[A-Za-z0-9_-]+"\/>/);
    const rssText = await (await fetch(`${one.url}/feeds/news.rss?limit=2`)).text();
    expect(rssText).toMatch(/<atom:link rel="next" type="application\/rss\+xml" href="http:\/\/feeds\.test\/feeds\/news\.rss\?limit=2&amp;before=/);
  });

  it('keeps cursors stable when new items arrive, and every instance sees the change at once', async () => {
    const page1 = (await (await fetch(`${two.url}/feeds/news.json?limit=2`)).json()) as { next_url: string };
    const etagBefore = (await fetch(`${two.url}/feeds/news.json`)).headers.get('etag');
    upstream.feed('/up.xml', numberedStoriesRss([1, 2, 3, 4, 5, 6, 7]));
    await pollDue(testPollerDeps(database.db), runAll);
    // The old cursor still continues right after story 4.
    const page2 = (await (await fetch(page1.next_url.replace(PUBLIC, two.url))).json()) as { items: { title: string }[] };
    expect(page2.items.map((i) => i.title)).toEqual(['Story 3', 'Story 2']);
    const fresh = await fetch(`${two.url}/feeds/news.json`);
    expect(fresh.headers.get('etag')).not.toBe(etagBefore);
    const items = ((await fresh.json()) as { items: { title: string }[] }).items.map((i) => i.title);
    expect(items.slice(0, 2)).toEqual(['Story 7', 'Story 6']);
    const other = await fetch(`${one.url}/feeds/news.json`);
    expect(other.headers.get('etag')).toBe(fresh.headers.get('etag'));
  });

  it('serves all as every category merged', async () => {
    const res = await fetch(`${one.url}/feeds/all.atom`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<title type="text">All categories</title>');
    expect(body.match(/<entry>/g)).toHaveLength(7);
  });

  it('answers 404 naming an unknown slug and 400 for a bad limit or cursor', async () => {
    const missing = await fetch(`${one.url}/feeds/no-such-thing.rss`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('no-such-thing');
    expect((await fetch(`${one.url}/feeds/news.rss?limit=0`)).status).toBe(400);
    expect((await fetch(`${one.url}/feeds/news.rss?limit=101`)).status).toBe(400);
    const badCursor = await fetch(`${one.url}/feeds/news.rss?before=%27%3B--`);
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ error: expect.stringMatching(/^before:/) });
  });

  it('exposes feed requests, 304s, cache hits and source health in /metrics', async () => {
    const res = await fetch(`${one.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^feedrelay_feed_requests_total\{format="rss",status="304"\} (\d+)$/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^feedrelay_feed_requests_total\{format="json",status="200"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^feedrelay_render_cache_total\{result="hit"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^feedrelay_sources\{status="ok"\} (\d+)$/m)).toBe(1);
  });

  it('serves OPML listing every category feed', async () => {
    const res = await fetch(`${one.url}/opml`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<opml version="2.0">');
    expect(body).toContain(`xmlUrl="${PUBLIC}/feeds/news.atom"`);
    expect(body).toContain(`xmlUrl="${PUBLIC}/feeds/all.atom"`);
  });
});
