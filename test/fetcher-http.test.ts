// HTTP semantics of the guarded fetch against real servers on 127.0.0.1: redirects (followed by
// hand, each hop checked), permanent moves, validators, statuses with Retry-After, TLS.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../src/entry/node-fetch.ts';
import { FetchError, MAX_REDIRECTS, fetchFeed, redirectTarget, type FetcherDeps, type FetchRequest, type FetchResult } from '../src/fetcher/index.ts';
import { selfSignedCertificate } from './helpers/misbehaving-upstream.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>';
const UA = 'feedrelay-test/0 (+http://localhost)';

function deps(overrides: Partial<FetcherDeps> = {}): FetcherDeps {
  return { fetch: createNodeFetch(['127.0.0.1']), timeoutMs: 5000, maxBytes: 1024 * 1024, userAgent: UA, ...overrides };
}

async function attempt(request: Partial<FetchRequest> & { url: string }, d = deps()): Promise<{ result?: FetchResult; error?: FetchError }> {
  try {
    return { result: await fetchFeed({ etag: null, lastModified: null, ...request }, d) };
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return { error };
  }
}

let upstream: Upstream;
let inward: Upstream | null = null; // on 127.0.0.2: reachable, but not allowlisted

function redirect(path: string, status: number, location: string): void {
  upstream.route(path, (_req, res) => {
    res.writeHead(status, { location }).end();
  });
}

beforeAll(async () => {
  upstream = await startUpstream();
  upstream.feed('/feed.xml', FEED);
  try {
    inward = await startUpstream('127.0.0.2');
    inward.feed('/feed.xml', FEED);
  } catch {
    inward = null; // only Linux routes all of 127/8 to loopback
  }
});
afterAll(async () => {
  await Promise.all([upstream?.close(), inward?.close()]);
});

describe('requests', () => {
  it('sends the User-Agent as passed and asks for feed types', async () => {
    const { result } = await attempt({ url: upstream.url('/feed.xml') });
    expect(result?.kind === 'ok' && Buffer.from(result.body).toString()).toBe(FEED);
    const seen = upstream.hits.get('/feed.xml')!.at(-1)!;
    expect(seen.headers['user-agent']).toBe(UA);
    expect(seen.headers.accept).toMatch(/^application\/rss\+xml, application\/atom\+xml, application\/feed\+json/);
    expect(result?.kind === 'ok' && result.contentType).toBe('application/rss+xml; charset=utf-8');
  });

  it('reuses connections after a 304, a redirect and an error answer', async () => {
    const ports: number[] = [];
    const noted = (handler: (res: import('node:http').ServerResponse) => void) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      ports.push(req.socket.remotePort!);
      handler(res);
    };
    upstream.route('/ka-304', noted((res) => res.writeHead(304, { etag: '"k"' }).end()));
    upstream.route('/ka-302', noted((res) => res.writeHead(302, { location: '/ka-ok', 'content-type': 'text/html' }).end('<a href="/ka-ok">moved</a>')));
    upstream.route('/ka-ok', noted((res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED)));
    upstream.route('/ka-410', noted((res) => res.writeHead(410, { 'content-type': 'text/html' }).end('<h1>gone</h1>'.repeat(100))));
    const d = deps({ fetch: createNodeFetch(['127.0.0.1']) });
    expect((await attempt({ url: upstream.url('/ka-304'), etag: '"k"' }, d)).result?.kind).toBe('not-modified');
    expect((await attempt({ url: upstream.url('/ka-302') }, d)).result?.kind).toBe('ok');
    expect((await attempt({ url: upstream.url('/ka-410') }, d)).error?.status).toBe(410);
    expect((await attempt({ url: upstream.url('/ka-304'), etag: '"k"' }, d)).result?.kind).toBe('not-modified');
    expect(ports).toHaveLength(5);
    // undici hands a connection back a moment after its answer ends, so sequential requests may
    // alternate between two; what must not happen is a connection per request.
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it('sends validators and reports 304 as not-modified', async () => {
    const first = await attempt({ url: upstream.url('/feed.xml') });
    const etag = first.result!.headers.get('etag');
    const lastModified = first.result!.headers.get('last-modified');
    expect(etag).toBeTruthy();
    const again = await attempt({ url: upstream.url('/feed.xml'), etag, lastModified });
    expect(again.result?.kind).toBe('not-modified');
    expect(again.result?.status).toBe(304);
    const seen = upstream.hits.get('/feed.xml')!.at(-1)!;
    expect(seen.headers['if-none-match']).toBe(etag);
    expect(seen.headers['if-modified-since']).toBe(lastModified);
  });

  it('sends If-Modified-Since alone when only Last-Modified is known', async () => {
    const since = new Date(Date.UTC(2026, 0, 1)).toUTCString();
    upstream.route('/dated.xml', (req, res) => {
      if (req.headers['if-modified-since'] === since) res.writeHead(304).end();
      else res.writeHead(200, { 'content-type': 'application/rss+xml', 'last-modified': since }).end(FEED);
    });
    const { result } = await attempt({ url: upstream.url('/dated.xml'), lastModified: since });
    expect(result?.kind).toBe('not-modified');
    expect(upstream.hits.get('/dated.xml')!.at(-1)!.headers['if-none-match']).toBeUndefined();
  });

  it('410 is an http error with its status', async () => {
    upstream.route('/gone', (_req, res) => {
      res.writeHead(410).end('gone');
    });
    const { error } = await attempt({ url: upstream.url('/gone') });
    expect(error?.code).toBe('http');
    expect(error?.status).toBe(410);
    expect(error?.message).toBe('fetcher: upstream answered HTTP 410 (gone)');
  });

  it.each([
    [429, '120'],
    [503, 'Wed, 21 Oct 2099 07:28:00 GMT'],
  ])('%i exposes Retry-After on the error', async (status, retryAfter) => {
    upstream.route(`/busy-${status}`, (_req, res) => {
      res.writeHead(status, { 'retry-after': retryAfter }).end();
    });
    const { error } = await attempt({ url: upstream.url(`/busy-${status}`) });
    expect(error?.status).toBe(status);
    expect(error?.headers?.get('retry-after')).toBe(retryAfter);
  });

  it('a closed port is "refused" in words', async () => {
    const spare = await startUpstream();
    const url = spare.url('/feed.xml');
    await spare.close();
    const { error } = await attempt({ url });
    expect(error?.code).toBe('network');
    expect(error?.message).toBe('fetcher: the upstream refused the connection (nothing listening on that port)');
  });
});

describe('redirects', () => {
  it('301 then 308: permanentUrl is the final URL', async () => {
    redirect('/moved-a', 301, '/moved-b');
    redirect('/moved-b', 308, upstream.url('/feed.xml'));
    const { result } = await attempt({ url: upstream.url('/moved-a') });
    expect(result?.kind).toBe('ok');
    expect(result?.url).toBe(upstream.url('/feed.xml'));
    expect(result?.permanentUrl).toBe(upstream.url('/feed.xml'));
  });

  it.each([302, 303, 307])('%i: followed, but the stored URL stays', async (status) => {
    redirect(`/temp-${status}`, status, '/feed.xml');
    const { result } = await attempt({ url: upstream.url(`/temp-${status}`) });
    expect(result?.kind).toBe('ok');
    expect(result?.url).toBe(upstream.url('/feed.xml'));
    expect(result?.permanentUrl).toBeNull();
  });

  it('a temporary hop anywhere in a chain keeps the stored URL', async () => {
    redirect('/mixed-a', 301, '/mixed-b');
    redirect('/mixed-b', 302, '/mixed-c');
    redirect('/mixed-c', 308, '/feed.xml');
    const { result } = await attempt({ url: upstream.url('/mixed-a') });
    expect(result?.kind).toBe('ok');
    expect(result?.permanentUrl).toBeNull();
  });

  it('validators go to the stored URL only', async () => {
    redirect('/moved-validators', 301, '/feed.xml');
    await attempt({ url: upstream.url('/moved-validators'), etag: '"x"' });
    expect(upstream.hits.get('/moved-validators')!.at(-1)!.headers['if-none-match']).toBe('"x"');
    expect(upstream.hits.get('/feed.xml')!.at(-1)!.headers['if-none-match']).toBeUndefined();
  });

  it(`a loop ends with an error after ${MAX_REDIRECTS} redirects`, async () => {
    redirect('/loop', 302, '/loop');
    const before = upstream.hits.get('/loop')?.length ?? 0;
    const { error } = await attempt({ url: upstream.url('/loop') });
    expect(error?.code).toBe('redirect');
    expect(error?.message).toBe(`fetcher: more than ${MAX_REDIRECTS} redirects (last to ${upstream.url('/loop')})`);
    expect(upstream.hits.get('/loop')!.length - before).toBe(MAX_REDIRECTS + 1);
  });

  it('a chain of exactly 10 redirects is followed', async () => {
    for (let i = 0; i < MAX_REDIRECTS; i++) redirect(`/chain${i}`, 301, `/chain${i + 1}`);
    redirect(`/chain${MAX_REDIRECTS}`, 301, '/feed.xml'); // the 11th
    const ten = await attempt({ url: upstream.url('/chain1') });
    expect(ten.result?.permanentUrl).toBe(upstream.url('/feed.xml'));
    const eleven = await attempt({ url: upstream.url('/chain0') });
    expect(eleven.error?.code).toBe('redirect');
  });

  it('a redirect without Location is an error', async () => {
    upstream.route('/nowhere', (_req, res) => {
      res.writeHead(301).end();
    });
    const { error } = await attempt({ url: upstream.url('/nowhere') });
    expect(error?.code).toBe('redirect');
    expect(error?.status).toBe(301);
  });

  it.each(['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://127.0.0.1/feed', 'data:text/xml,<rss/>'])('a redirect to %s is refused', async (location) => {
    redirect('/to-scheme', 301, location);
    const { error, result } = await attempt({ url: upstream.url('/to-scheme') });
    expect(result).toBeUndefined();
    expect(error?.code).toBe('scheme');
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[::1]:1/', 'http://10.0.0.1/', 'http://x@127.0.0.2:1/', 'http://0x7f.2:1/'])(
    'a redirect to %s is refused before any connection',
    async (location) => {
      redirect('/to-inside', 301, location);
      const { error } = await attempt({ url: upstream.url('/to-inside') });
      expect(error?.code).toBe('blocked');
      expect(error?.message).toMatch(/, a private\/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it$/);
    },
  );

  it('a permanent redirect to a loopback address outside the allowlist is refused and stores nothing', async (ctx) => {
    if (!inward) ctx.skip();
    redirect('/to-127-0-0-2', 301, inward!.url('/feed.xml'));
    const { error, result } = await attempt({ url: upstream.url('/to-127-0-0-2') });
    expect(result?.permanentUrl).toBeUndefined();
    expect(error?.code).toBe('blocked');
    expect(error?.message).toBe(
      `fetcher: 127.0.0.2 resolves to 127.0.0.2, a private/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it`,
    );
    expect(inward!.hits.get('/feed.xml')).toBeUndefined();
    // The same redirect with 127.0.0.2 allowlisted reaches it: the refusal above was the guard.
    const allowed = await attempt({ url: upstream.url('/to-127-0-0-2') }, deps({ fetch: createNodeFetch(['127.0.0.1', '127.0.0.2']) }));
    expect(allowed.result?.permanentUrl).toBe(inward!.url('/feed.xml'));
    expect(inward!.hits.get('/feed.xml')).toHaveLength(1);
  });

  it('the redirect rule refuses https → http and resolves relative locations', () => {
    const from = new URL('https://feeds.example/a/rss');
    expect(() => redirectTarget(from, 301, 'http://feeds.example/rss')).toThrow(/refused a redirect from https to http/);
    expect(redirectTarget(from, 301, '../b').href).toBe('https://feeds.example/b');
    expect(redirectTarget(new URL('http://feeds.example/'), 302, 'https://feeds.example/').href).toBe('https://feeds.example/');
    expect(() => redirectTarget(from, 302, null)).toThrow(FetchError);
    expect(() => redirectTarget(from, 302, 'http://[::1')).toThrow(/unreadable Location/);
  });
});

describe('TLS on 127.0.0.1 (self-signed, made by openssl for this run)', () => {
  const certificate = selfSignedCertificate();
  let tls: HttpsServer;
  let origin = '';

  beforeAll(async () => {
    if (!certificate) return;
    tls = createHttpsServer(certificate, (req, res) => {
      if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
      else if (req.url === '/downgrade') res.writeHead(302, { location: upstream.url('/feed.xml') }).end();
      else if (req.url === '/moved') res.writeHead(301, { location: '/feed.xml' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    tls?.closeAllConnections();
    await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
  });

  const trusting = () => deps({ fetch: createNodeFetch(['127.0.0.1'], { tls: { ca: certificate!.cert } }) });

  it.skipIf(!certificate)('fetches over https when the certificate is trusted', async () => {
    const { result } = await attempt({ url: `${origin}/moved` }, trusting());
    expect(result?.kind === 'ok' && Buffer.from(result.body).toString()).toBe(FEED);
    expect(result?.permanentUrl).toBe(`${origin}/feed.xml`);
  });

  it.skipIf(!certificate)('refuses a redirect from https to http, and never requests the http URL', async () => {
    const before = upstream.hits.get('/feed.xml')?.length ?? 0;
    const { error } = await attempt({ url: `${origin}/downgrade` }, trusting());
    expect(error?.code).toBe('redirect');
    expect(error?.message).toBe(`fetcher: refused a redirect from https to http (${upstream.url('/feed.xml')})`);
    expect(upstream.hits.get('/feed.xml')?.length ?? 0).toBe(before);
  });

  it.skipIf(!certificate)('an untrusted certificate is a TLS error in words', async () => {
    const { error } = await attempt({ url: `${origin}/feed.xml` });
    expect(error?.code).toBe('tls');
    expect(error?.message).toBe("fetcher: TLS: the upstream's certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)");
  });

  it.skipIf(!certificate)('https to a plain-http port is a TLS error', async () => {
    const { error } = await attempt({ url: upstream.url('/feed.xml').replace('http:', 'https:') }, trusting());
    expect(error?.code).toBe('tls');
  });
});
