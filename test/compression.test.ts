// Compression of the responses that are not feeds (pages, OPML, admin JSON) over real HTTP, where
// the runtime does not compress (Node: the app is given a compressor), and none where it does
// (Workers: no compressor given). Feeds keep their own pre-compressed renders (feeds-http.test.ts).
import { gunzipSync } from 'node:zlib';
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
const TOKEN = 'compression-test-token';

describe.each(databases)('compression of pages, OPML and JSON on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let node: AppServer;
  let edge: AppServer;
  let articlePath: string;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/up.xml', numberedStoriesRss(Array.from({ length: 20 }, (_, i) => i + 1)));
    await syncCategoryDefinitions(database.db, [
      { slug: 'news', title: 'News', description: 'All the news', language: 'en', file: 'feeds/news.yaml', sources: [{ url: upstream.url('/up.xml'), title: 'Upstream', intervalSeconds: null }] },
    ]);
    await pollDue(testPollerDeps(database.db), runAll);
    const deps = { db: database.db, config: { publicUrl: PUBLIC, adminToken: TOKEN }, log: silentLogger, now: () => new Date() };
    [node, edge] = await Promise.all([serveApp({ ...deps, compress: compressRender }), serveApp(deps)]);
    const category = await rawRequest(`${node.url}/category/news`);
    articlePath = /\/articles\/[^"'?#<\s]+/.exec(category.body.toString('utf8'))![0];
  });
  afterAll(async () => {
    await Promise.all([node?.close(), edge?.close(), upstream?.close()]);
    await database?.close();
  });

  const paths = () => ['/', '/category/news', articlePath, '/opml'];

  it('gzips what the client accepts: the same bytes underneath, Vary, and a weakened ETag', async () => {
    for (const path of paths()) {
      const plain = await rawRequest(`${node.url}${path}`);
      const gz = await rawRequest(`${node.url}${path}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(plain.status, path).toBe(200);
      expect(gz.status, path).toBe(200);
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      expect(gz.headers['content-encoding'], path).toBe('gzip');
      expect(gz.headers.vary, path).toMatch(/Accept-Encoding/i);
      expect(plain.headers.vary, path).toMatch(/Accept-Encoding/i);
      expect(gz.body.length, path).toBeLessThan(plain.body.length);
      expect(gunzipSync(gz.body).equals(plain.body), path).toBe(true);
      expect(gz.headers['content-type'], path).toBe(plain.headers['content-type']);
      expect(plain.headers.etag, path).toMatch(/^"/);
      expect(gz.headers.etag, path).toBe(`W/${plain.headers.etag}`);
    }
  });

  it('sends identity to a client that refuses gzip or names only what it does not offer', async () => {
    for (const accept of ['gzip;q=0', 'identity', 'deflate;q=0.5, gzip;q=0', 'br']) {
      const res = await rawRequest(`${node.url}/category/news`, { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBeUndefined();
      expect(res.body.toString('utf8'), accept).toMatch(/^<!doctype html>/);
    }
  });

  it('revalidates a gzipped page: 304 to its weak ETag, in the form the client holds', async () => {
    for (const path of paths()) {
      const gz = await rawRequest(`${node.url}${path}`, { 'accept-encoding': 'gzip' });
      const weak = String(gz.headers.etag);
      const again = await rawRequest(`${node.url}${path}`, { 'accept-encoding': 'gzip', 'if-none-match': weak });
      expect(again.status, path).toBe(304);
      expect(again.body.length, path).toBe(0);
      expect(again.headers.etag, path).toBe(weak);
      // A client holding the identity form's strong ETag gets it back unchanged.
      const strong = weak.slice(2);
      const plain = await rawRequest(`${node.url}${path}`, { 'if-none-match': strong });
      expect(plain.status, path).toBe(304);
      expect(plain.headers.etag, path).toBe(strong);
    }
  });

  it('answers HEAD with no body', async () => {
    const head = await rawRequest(`${node.url}/category/news`, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('gzips admin JSON, which still parses', async () => {
    const plain = await rawRequest(`${node.url}/admin/sources`, { authorization: `Bearer ${TOKEN}` });
    const gz = await rawRequest(`${node.url}/admin/sources`, { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' });
    expect(plain.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    const sources = JSON.parse(gunzipSync(gz.body).toString('utf8')).sources;
    expect(sources).toHaveLength(1);
    expect(sources[0].url).toBe(upstream.url('/up.xml'));
  });

  it("leaves feeds to their own renders: a strong ETag whatever the encoding, nothing added for deflate", async () => {
    const plain = await rawRequest(`${node.url}/feeds/news.atom`);
    const gz = await rawRequest(`${node.url}/feeds/news.atom`, { 'accept-encoding': 'gzip' });
    const deflate = await rawRequest(`${node.url}/feeds/news.atom`, { 'accept-encoding': 'deflate' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(plain.headers.etag);
    expect(deflate.headers['content-encoding']).toBeUndefined();
    expect(deflate.headers.etag).toBe(plain.headers.etag);
    expect(String(plain.headers.vary).match(/Accept-Encoding/gi)).toHaveLength(1);
  });

  it('compresses nothing where the runtime does (no compressor given, as on Workers)', async () => {
    for (const path of [...paths(), '/feeds/news.atom']) {
      const res = await rawRequest(`${edge.url}${path}`, { 'accept-encoding': 'gzip, br' });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-encoding'], path).toBeUndefined();
      expect(String(res.headers.etag), path).toMatch(/^"/);
    }
  });
});
