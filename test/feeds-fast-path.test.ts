// The Node entry's fast path (entry/http-server.ts, routes/feeds.ts cachedFeedAnswer): a feed whose
// render is cached is answered without the framework, byte for byte and header for header as the
// app answers it; anything it cannot answer exactly goes to the app.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { compressRender } from '../src/entry/compress.ts';
import { serveWithFastFeeds } from '../src/entry/http-server.ts';
import { silentLogger } from '../src/log.ts';
import { Metrics } from '../src/metrics.ts';
import { pollDue } from '../src/poller/run.ts';
import { cachedFeedAnswer, FeedStateReader } from '../src/routes/feeds.ts';
import { RenderCache } from '../src/routes/render-cache.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';
import { numberedStoriesRss, rawRequest } from './helpers/http.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const PUBLIC = 'http://feeds.test';



// Headers that differ between any two responses whatever served them.
const comparable = (headers: Record<string, unknown>) => {
  const { date: _date, connection: _c, 'keep-alive': _k, ...rest } = headers;
  return rest;
};

describe.each(databases)('feed fast path on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let fast: Server;
  let fastUrl: string;
  let plain: AppServer;
  const metrics = new Metrics();
  const renderCache = new RenderCache();
  let feedStates: FeedStateReader;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/up.xml', numberedStoriesRss([1, 2, 3]));
    await syncCategoryDefinitions(database.db, [
      { slug: 'news', title: 'News', description: 'All the news', language: 'en', file: 'feeds/news.yaml', sources: [{ url: upstream.url('/up.xml'), title: 'Upstream', intervalSeconds: null }] },
    ]);
    await pollDue(testPollerDeps(database.db), runAll);
    const deps = { db: database.db, config: { publicUrl: PUBLIC, adminToken: null }, log: silentLogger, now: () => new Date(), compress: compressRender };
    // A long memo, so the states read by the first request are still current for the rest.
    feedStates = new FeedStateReader(database.db, 60_000);
    const app = createApp({ ...deps, metrics, renderCache, feedStates });
    fast = await new Promise<Server>((resolve) => {
      const s = serveWithFastFeeds(app, { renderCache, feedStates, metrics, now: deps.now }, { port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    fastUrl = `http://127.0.0.1:${(fast.address() as AddressInfo).port}`;
    plain = await serveApp(deps);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (fast ? fast.close(() => resolve()) : resolve()));
    await Promise.all([plain?.close(), upstream?.close()]);
    await database?.close();
  });

  it('answers a cached feed itself, with the app\'s bytes and headers, for every encoding and format', async () => {
    for (const format of ['atom', 'rss', 'json']) {
      const path = `/feeds/news.${format}`;
      // The first request fills the caches through the app.
      const first = await rawRequest(`${fastUrl}${path}`);
      expect(first.status).toBe(200);
      const header = () => undefined;
      expect(cachedFeedAnswer({ renderCache, feedStates, metrics, now: () => new Date() }, path, header)).not.toBeNull();
      for (const accept of [{}, { 'accept-encoding': 'gzip' }, { 'accept-encoding': 'br, gzip' }] as Record<string, string>[]) {
        const viaFast = await rawRequest(`${fastUrl}${path}`, accept);
        const viaApp = await rawRequest(`${plain.url}${path}`, accept);
        expect(viaFast.status).toBe(200);
        expect(viaFast.body.equals(viaApp.body)).toBe(true);
        expect(comparable(viaFast.headers)).toEqual(comparable(viaApp.headers));
      }
    }
  });

  it('answers 304 to If-None-Match and If-Modified-Since as the app does, If-None-Match first', async () => {
    const path = '/feeds/news.atom';
    const full = await rawRequest(`${fastUrl}${path}`);
    const etag = full.headers.etag as string;
    const lastModified = full.headers['last-modified'] as string;
    const cases: Record<string, string>[] = [
      { 'if-none-match': etag },
      { 'if-none-match': `W/${etag}` },
      { 'if-none-match': `"other", ${etag}` },
      { 'if-modified-since': lastModified },
      { 'if-none-match': '"other"', 'if-modified-since': lastModified },
      { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() },
    ];
    for (const headers of cases) {
      const viaFast = await rawRequest(`${fastUrl}${path}`, headers);
      const viaApp = await rawRequest(`${plain.url}${path}`, headers);
      expect(viaFast.status, JSON.stringify(headers)).toBe(viaApp.status);
      expect(comparable(viaFast.headers)).toEqual(comparable(viaApp.headers));
      expect(viaFast.body.equals(viaApp.body)).toBe(true);
    }
  });

  it('counts what it answers in the same metrics as the app', async () => {
    const before = { hits: metrics.renderCache.get({ result: 'hit' }), ok: metrics.feedRequests.get({ format: 'atom', status: '200' }), nm: metrics.feedRequests.get({ format: 'atom', status: '304' }) };
    const full = await rawRequest(`${fastUrl}/feeds/news.atom`);
    await rawRequest(`${fastUrl}/feeds/news.atom`, { 'if-none-match': full.headers.etag as string });
    expect(metrics.renderCache.get({ result: 'hit' })).toBe(before.hits + 2);
    expect(metrics.feedRequests.get({ format: 'atom', status: '200' })).toBe(before.ok + 1);
    expect(metrics.feedRequests.get({ format: 'atom', status: '304' })).toBe(before.nm + 1);
  });

  it('leaves to the app what it cannot answer exactly: HEAD, query strings, other pages, unknown feeds', async () => {
    const head = await rawRequest(`${fastUrl}/feeds/news.atom`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await rawRequest(`${fastUrl}/feeds/news.atom?limit=2`)).body.toString()).toContain('rel="next"');
    expect((await rawRequest(`${fastUrl}/feeds/news.atom?limit=0`)).status).toBe(400);
    expect((await rawRequest(`${fastUrl}/feeds/nope.atom`)).status).toBe(404);
    expect((await rawRequest(`${fastUrl}/feeds/news.xml`)).status).toBe(404);
    expect((await rawRequest(`${fastUrl}/healthz`)).status).toBe(200);
  });

  it('serves the new render once an ingest changes the feed', async () => {
    const before = await rawRequest(`${fastUrl}/feeds/news.rss`);
    upstream.feed('/up.xml', numberedStoriesRss([1, 2, 3, 4]));
    await pollDue(testPollerDeps(database.db), runAll);
    // The fast path keeps answering from the state it read until the memo expires; a fresh reader
    // sees the new version at once.
    const fresh = new FeedStateReader(database.db, 60_000);
    const app = createApp({ db: database.db, config: { publicUrl: PUBLIC, adminToken: null }, log: silentLogger, now: () => new Date(), compress: compressRender, metrics, renderCache, feedStates: fresh });
    const server = await new Promise<Server>((resolve) => {
      const s = serveWithFastFeeds(app, { renderCache, feedStates: fresh, metrics, now: () => new Date() }, { port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feeds/news.rss`;
      const after = await rawRequest(url);
      expect(after.body.toString()).toContain('Story 4');
      expect(after.headers.etag).not.toBe(before.headers.etag);
      expect((await rawRequest(url, { 'if-none-match': before.headers.etag as string })).status).toBe(200);
      expect((await rawRequest(url, { 'if-none-match': after.headers.etag as string })).status).toBe(304);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
