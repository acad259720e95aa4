// The admin gate: every spelling of an /admin path needs the bearer token (over real HTTP through
// @hono/node-server, whose encoded/repeated-slash handling once let requests past route
// middleware, and through app.request); no token configured → 503; body limits → 413, chunked
// bodies included; X-Forwarded-For grants nothing.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { bearerToken, canonicalPath, isAdminPath, rawPathOf, tokenMatches } from '../src/routes/admin/guard.ts';
import { createPGliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';

const TOKEN = 's3cret-token-0123456789';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the path exactly as written (no client-side normalisation), optionally a chunked body. */
function raw(base: string, path: string, options: { method?: string; headers?: Record<string, string>; chunks?: Buffer[] } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // A fresh connection each time: a keep-alive socket whose last body went unread is closed.
    const req = httpRequest({ hostname, port, path, agent: false, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${path} within 10s`)));
    if (options.chunks) {
      (async () => {
        for (const chunk of options.chunks!) {
          if (req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r).once('close', r));
        }
        req.end();
      })().catch(() => undefined);
    } else {
      req.end();
    }
  });
}

// Every way of spelling an admin path that a router, a proxy or a decoder might read as /admin.
const BYPASS_FORMS = [
  '/admin/sources',
  '/admin/categories',
  '/admin/opml',
  '/admin',
  '/admin/',
  '/admin//',
  '/admin/sources/',
  '//admin/sources',
  '///admin/sources',
  '/ADMIN/sources',
  '/Admin/Sources',
  '/admin%2Fsources',
  '/admin%2fsources',
  '/%61dmin/sources',
  '/%2561dmin/sources',
  '/%41DMIN/sources',
  '/admin/../admin/sources',
  '/x/../admin/sources',
  '/admin/x/../../admin/sources',
  '/./admin/sources',
  '/admin/./sources',
  '/%2e/admin/sources',
  '/%2e%2e/admin/sources',
  '/admin/%2e%2e/admin/sources',
  '/admin;x/sources',
  '/admin;jsessionid=1',
  '/admin/sources;x',
  '/admin%3Bx/sources',
  '/admin%00/sources',
  '/admin%20/sources',
  '/admin/sources?x=1',
  '/admin/sources/1',
  '/admin/sources/1/poll',
];

describe('admin path canonicalisation', () => {
  it('folds every spelling to /admin…', () => {
    expect(canonicalPath('//admin//sources/')).toBe('/admin/sources');
    expect(canonicalPath('/ADMIN/sources')).toBe('/admin/sources');
    expect(canonicalPath('/admin%2Fsources')).toBe('/admin/sources');
    expect(canonicalPath('/%2561dmin/x')).toBe('/admin/x');
    expect(canonicalPath('/admin/../admin/x')).toBe('/admin/x');
    expect(canonicalPath('/./admin')).toBe('/admin');
    expect(canonicalPath('/admin;x')).toBe('/admin');
    expect(canonicalPath('/admin\\sources')).toBe('/admin/sources');
    expect(canonicalPath('/../../admin')).toBe('/admin');
    expect(canonicalPath('/admin%ZZ')).toBe('/admin%zz');
    for (const form of BYPASS_FORMS) expect(isAdminPath(form.split('?')[0]!), form).toBe(true);
    expect(isAdminPath('/admin\\sources')).toBe(true);
    // Resolved, these are `/`; a router that did not resolve them might still match /admin/*.
    expect(isAdminPath('/admin/..')).toBe(true);
    expect(isAdminPath('/admin/%2e%2e')).toBe(true);
  });

  it('leaves public paths alone', () => {
    for (const path of ['/', '/feeds/admin.rss', '/category/admin', '/administrator', '/opml', '/feeds/all.atom', '/x/admin']) {
      expect(isAdminPath(path), path).toBe(false);
    }
  });

  it('reads the path as sent from a request URL', () => {
    expect(rawPathOf('http://127.0.0.1:8787//admin/x?y=/admin')).toBe('//admin/x');
    expect(rawPathOf('http://h/a%2Fb#c')).toBe('/a%2Fb');
    expect(rawPathOf('http://h')).toBe('/');
  });

  it('reads bearer tokens and compares them', () => {
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`Basic ${TOKEN}`)).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(`Bearer ${TOKEN} extra`)).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });
});

describe('admin auth', () => {
  let database: TestDatabase;
  let deps: AppDeps;
  let server: AppServer;
  let disabled: AppServer;

  beforeAll(async () => {
    database = await createPGliteDatabase();
    deps = { db: database.db, config: { publicUrl: 'http://feeds.test', adminToken: TOKEN }, log: silentLogger, now: () => new Date() };
    [server, disabled] = await Promise.all([serveApp(deps), serveApp({ ...deps, config: { ...deps.config, adminToken: null } })]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), disabled?.close()]);
    await database?.close();
  });

  it('refuses every path form without a token, over real HTTP', async () => {
    for (const form of BYPASS_FORMS) {
      const res = await raw(server.url, form);
      expect(res.status, form).toBe(401);
      expect(res.headers['www-authenticate'], form).toMatch(/^Bearer\b/);
      expect(JSON.parse(res.body), form).toEqual({ error: expect.stringMatching(/authorization required/) });
    }
    // A backslash is refused by the server itself, before the app: still no admin answer.
    expect([400, 401]).toContain((await raw(server.url, '/admin\\sources')).status);
    // The server resolves these to `/` (RFC 3986 §5.2.4) before the app sees them: the home page.
    for (const form of ['/admin/..', '/admin/%2e%2e', '/admin/sources/../..']) {
      const res = await raw(server.url, form);
      expect(res.status, form).not.toBe(401);
      expect(res.body, form).not.toMatch(/"sources"/);
    }
  });

  it('refuses every path form without a token, through app.request', async () => {
    const app = createApp(deps);
    for (const form of BYPASS_FORMS) {
      const res = await app.request(form);
      expect(res.status, form).toBe(401);
      expect(res.headers.get('www-authenticate'), form).toMatch(/^Bearer\b/);
    }
    // A full URL with an absolute path that a client did not normalise.
    expect((await app.request(new Request('http://localhost//admin/sources'))).status).toBe(401);
  });

  it('refuses wrong tokens, wrong schemes and forwarded addresses', async () => {
    const cases: Record<string, string>[] = [
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
      { authorization: `Token ${TOKEN}` },
      { authorization: TOKEN },
      { authorization: 'Bearer' },
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1, 10.0.0.1' },
      { cookie: `token=${TOKEN}` },
    ];
    for (const headers of cases) {
      const res = await raw(server.url, '/admin/sources', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    }
    const wrong = await raw(server.url, '/admin/sources', { headers: { authorization: 'Bearer wrong' } });
    expect(JSON.parse(wrong.body)).toEqual({ error: 'invalid token' });
  });

  it('lets the right token through, in any scheme case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await raw(server.url, '/admin/sources', { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ sources: [] });
      expect(res.headers['cache-control']).toBe('no-store');
    }
    // Authorised but not a route: an ordinary JSON 404, not a way around anything.
    const odd = await raw(server.url, '/ADMIN/sources', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(odd.status).toBe(404);
  });

  it('answers 503 with how to enable it when no token is configured', async () => {
    for (const form of ['/admin/sources', '//admin/sources', '/ADMIN/x', '/admin%2Fx', '/%61dmin/x', '/admin/../admin/x', '/./admin', '/admin;x', '/admin/']) {
      const res = await raw(disabled.url, form, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, form).toBe(503);
      expect(JSON.parse(res.body)).toEqual({ error: 'the admin API is disabled: set ADMIN_TOKEN to enable it' });
    }
    const app = createApp({ ...deps, config: { ...deps.config, adminToken: null } });
    expect((await app.request('/admin/categories', { method: 'POST', body: '{}' })).status).toBe(503);
  });

  it('leaves public routes public', async () => {
    expect((await raw(server.url, '/healthz')).status).toBe(200);
    expect((await raw(server.url, '/opml')).status).toBe(200);
  });

  it('refuses bodies over the limit with 413, chunked or not', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const chunked = await raw(server.url, '/admin/sources', { method: 'POST', headers: auth, chunks: Array.from({ length: 40 }, () => chunk) });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual({ error: expect.stringMatching(/too large.*1 MiB/) });

    const declared = await raw(server.url, '/admin/categories', {
      method: 'POST',
      headers: { ...auth, 'content-length': String(2 * 1024 * 1024) },
      chunks: Array.from({ length: 32 }, () => chunk),
    });
    expect(declared.status).toBe(413);

    // OPML imports may be larger (5 MiB): 3 MiB of whitespace passes the limit and fails as OPML.
    const opml = await raw(server.url, '/admin/opml', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, chunks: Array.from({ length: 48 }, () => chunk) });
    expect(opml.status).toBe(400);
    const tooBig = await raw(server.url, '/admin/opml', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, chunks: Array.from({ length: 96 }, () => chunk) });
    expect(tooBig.status).toBe(413);

    // An unauthenticated body is never read: 401 first.
    const anonymous = await raw(server.url, '/admin/sources', { method: 'POST', chunks: Array.from({ length: 4 }, () => chunk) });
    expect(anonymous.status).toBe(401);
  });
});
