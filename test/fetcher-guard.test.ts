// The address guard, live: real servers on loopback addresses inside and outside the allowlist.
// Every server here is on 127.0.0.1, 127.0.0.2 or ::1; names resolve through the system resolver
// (`localhost`) or a stand-in resolver that answers loopback addresses, so no traffic leaves.
import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedAgent, createNodeFetch, type NodeFetchOptions } from '../src/entry/node-fetch.ts';
import { AllowlistError, parseAllowlist } from '../src/fetcher/address-guard.ts';
import { FetchError, fetchFeed, type FetchResult } from '../src/fetcher/index.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>';
const BLOCKED = /^fetcher: (.+) resolves to (.+), a private\/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it$/;

async function attempt(url: string, allow: string[], options?: NodeFetchOptions): Promise<{ result?: FetchResult; error?: FetchError }> {
  try {
    const deps = { fetch: createNodeFetch(allow, options), timeoutMs: 5000, maxBytes: 1024 * 1024, userAgent: 'feedrelay-test/0' };
    return { result: await fetchFeed({ url, etag: null, lastModified: null }, deps) };
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return { error };
  }
}

/** A resolver for a few made-up names (under .example, RFC 6761), answering loopback addresses only. */
function resolver(table: Record<string, string[] | (() => string[])>): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (e: Error | null, a: LookupAddress[] | string, f?: number) => void) => {
    if (hostname === 'localhost') {
      systemLookup(hostname, { all: true }, (e, a) => callback(e, options.all ? a : a[0]!.address, a[0]?.family));
      return;
    }
    const entry = table[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
      return;
    }
    for (const a of addresses) if (!a.startsWith('127.') && a !== '::1') throw new Error(`test resolver must stay on loopback, not ${a}`);
    const list = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as unknown as LookupFunction;
}

let upstream: Upstream; // 127.0.0.1
let inward: Upstream | null = null; // 127.0.0.2
let v6: Upstream | null = null; // ::1
let sibling: Upstream | null = null; // 127.0.0.2 on the same port as `upstream`

beforeAll(async () => {
  upstream = await startUpstream();
  upstream.feed('/feed.xml', FEED);
  // Keep-alive would let a second fetch reuse a checked connection; close each one so every
  // request below is a fresh connect (and so a fresh check).
  upstream.route('/close.xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', connection: 'close' }).end(FEED);
  });
  try {
    inward = await startUpstream('127.0.0.2');
    inward.feed('/feed.xml', FEED);
    inward.route('/close.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml', connection: 'close' }).end(FEED);
    });
  } catch {
    inward = null;
  }
  sibling = await startUpstreamOn('127.0.0.2', Number(port(upstream))).catch(() => null);
  sibling?.feed('/close.xml', FEED);
  try {
    v6 = await startUpstream('::1');
    v6.feed('/feed.xml', FEED);
  } catch {
    v6 = null;
  }
});
afterAll(async () => {
  await Promise.all([upstream?.close(), inward?.close(), v6?.close(), sibling?.close()]);
});

function port(u: Upstream): string {
  return new URL(u.origin).port;
}

describe('spellings of the loopback address, with no allowlist', () => {
  it.each([
    'http://127.0.0.1:PORT/feed.xml',
    'http://127.1:PORT/feed.xml',
    'http://2130706433:PORT/feed.xml',
    'http://0x7f.1:PORT/feed.xml',
    'http://0177.0.0.1:PORT/feed.xml',
    'http://127.0.0.1.:PORT/feed.xml',
    'http://x@127.0.0.1:PORT/feed.xml',
    'http://[::ffff:127.0.0.1]:PORT/feed.xml',
    'http://localhost:PORT/feed.xml',
    'http://localhost.:PORT/feed.xml',
    'http://feeds.localhost:PORT/feed.xml',
    'http://0.0.0.0:PORT/feed.xml',
    'http://0:PORT/feed.xml',
  ])('%s is refused and never reaches the server', async (template) => {
    const before = upstream.hits.get('/feed.xml')?.length ?? 0;
    const { error } = await attempt(template.replace('PORT', port(upstream)), []);
    expect(error?.code).toBe('blocked');
    expect(error?.message).toMatch(BLOCKED);
    expect(upstream.hits.get('/feed.xml')?.length ?? 0).toBe(before);
  });

  it('the same spellings do reach it once 127.0.0.1 is allowlisted (so the refusals above are the guard)', async () => {
    for (const template of ['http://127.1:PORT/feed.xml', 'http://0x7f.1:PORT/feed.xml', 'http://[::ffff:127.0.0.1]:PORT/feed.xml']) {
      const { result, error } = await attempt(template.replace('PORT', port(upstream)), ['127.0.0.1']);
      expect(error).toBeUndefined();
      expect(result?.kind).toBe('ok');
    }
  });
});

describe('a bare address admits that address alone', () => {
  it('127.0.0.2 is refused with only 127.0.0.1 allowlisted', async (ctx) => {
    if (!inward) ctx.skip();
    const { error } = await attempt(inward!.url('/feed.xml'), ['127.0.0.1']);
    expect(error?.code).toBe('blocked');
    expect(error?.message).toBe('fetcher: 127.0.0.2 resolves to 127.0.0.2, a private/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it');
    expect(inward!.hits.get('/feed.xml')).toBeUndefined();
    const allowed = await attempt(inward!.url('/feed.xml'), ['127.0.0.2']);
    expect(allowed.result?.kind).toBe('ok');
  });

  it('[::1] is refused with only 127.0.0.1 allowlisted', async (ctx) => {
    if (!v6) ctx.skip();
    const { error } = await attempt(v6!.url('/feed.xml'), ['127.0.0.1']);
    expect(error?.code).toBe('blocked');
    expect(error?.message).toMatch(/^fetcher: \[::1\] resolves to ::1, /);
    expect(v6!.hits.get('/feed.xml')).toBeUndefined();
    const allowed = await attempt(v6!.url('/feed.xml'), ['::1']);
    expect(allowed.result?.kind).toBe('ok');
  });

  it('a CIDR admits its range', async (ctx) => {
    if (!inward) ctx.skip();
    const { result } = await attempt(inward!.url('/feed.xml'), ['127.0.0.0/30']);
    expect(result?.kind).toBe('ok');
  });
});

describe('host names: the check is on the address connected to', () => {
  it('a `localhost` entry admits localhost through the system resolver', async () => {
    const { result, error } = await attempt(`http://localhost:${port(upstream)}/feed.xml`, ['localhost']);
    expect(error).toBeUndefined();
    expect(result?.kind).toBe('ok');
  });

  it('a public-looking name that resolves to loopback is refused at connection time', async () => {
    const lookup = resolver({ 'feeds.example': ['127.0.0.1'] });
    const before = upstream.hits.get('/feed.xml')?.length ?? 0;
    const { error } = await attempt(`http://feeds.example:${port(upstream)}/feed.xml`, ['localhost'], { lookup });
    expect(error?.code).toBe('blocked');
    expect(error?.message).toBe('fetcher: feeds.example resolves to 127.0.0.1, a private/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it');
    expect(upstream.hits.get('/feed.xml')?.length ?? 0).toBe(before);
    // Its own entry admits it.
    const named = await attempt(`http://feeds.example:${port(upstream)}/feed.xml`, ['feeds.example'], { lookup });
    expect(named.result?.kind).toBe('ok');
  });

  it('of several answers only admitted addresses are connected to', async (ctx) => {
    if (!sibling) ctx.skip();
    // Both addresses listen on the same port: without the filter the first answer would be used.
    const lookup = resolver({ 'mixed.example': ['127.0.0.2', '127.0.0.1'] });
    const before = upstream.hits.get('/close.xml')?.length ?? 0;
    const { result, error } = await attempt(`http://mixed.example:${port(upstream)}/close.xml`, ['127.0.0.1'], { lookup });
    expect(error).toBeUndefined();
    expect(result?.kind).toBe('ok');
    expect(upstream.hits.get('/close.xml')?.length).toBe(before + 1);
    expect(sibling!.hits.get('/close.xml')).toBeUndefined();
    // Control: with 127.0.0.2 admitted too, the first answer is the one connected to.
    await attempt(`http://mixed.example:${port(upstream)}/close.xml`, ['127.0.0.0/8'], { lookup });
    expect(sibling!.hits.get('/close.xml')).toHaveLength(1);
  });

  it('DNS rebinding: every new connection is checked against what the name resolves to then', async (ctx) => {
    if (!sibling) ctx.skip();
    let answer = '127.0.0.1';
    const lookup = resolver({ 'rebind.example': () => [answer] });
    const deps = { fetch: createNodeFetch(['127.0.0.1'], { lookup }), timeoutMs: 5000, maxBytes: 1024 * 1024, userAgent: 'feedrelay-test/0' };
    const url = `http://rebind.example:${port(upstream)}/close.xml`;
    const first = await fetchFeed({ url, etag: null, lastModified: null }, deps);
    expect(first.kind).toBe('ok');
    // Same URL, same fetch (same connection pool); the name now points elsewhere.
    answer = '127.0.0.2';
    const before = sibling!.hits.get('/close.xml')?.length ?? 0;
    const second = await fetchFeed({ url, etag: null, lastModified: null }, deps).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(FetchError);
    expect((second as FetchError).message).toBe('fetcher: rebind.example resolves to 127.0.0.2, a private/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it');
    expect(sibling!.hits.get('/close.xml')?.length ?? 0).toBe(before);
  });

  it('an address literal is checked by the connector itself, not only by the URL check', async (ctx) => {
    if (!inward) ctx.skip();
    const dispatcher = createGuardedAgent(parseAllowlist(['127.0.0.1']));
    const before = inward!.hits.get('/feed.xml')?.length ?? 0;
    // undici's own fetch, without createNodeFetch's URL check in front.
    const refused = await undiciFetch(inward!.url('/feed.xml'), { dispatcher }).catch((e: unknown) => e);
    expect((refused as { cause?: unknown }).cause).toBeInstanceOf(FetchError);
    expect(((refused as { cause: FetchError }).cause).code).toBe('blocked');
    expect(inward!.hits.get('/feed.xml')?.length ?? 0).toBe(before);
    const allowed = await undiciFetch(upstream.url('/feed.xml'), { dispatcher });
    expect(allowed.status).toBe(200);
    await dispatcher.close();
  });
});

describe('names that do not resolve', () => {
  it('a .invalid name is a DNS error in words, answered without asking any server (RFC 6761)', async () => {
    const { error } = await attempt('http://feeds.nonexistent.invalid/rss.xml', []);
    expect(error?.code).toBe('dns');
    expect(error?.message).toBe('fetcher: feeds.nonexistent.invalid does not resolve (DNS: no such host)');
  });

  it('NXDOMAIN from the resolver is a DNS error in words', async () => {
    const { error } = await attempt('http://missing.example/rss.xml', [], { lookup: resolver({}) });
    expect(error?.code).toBe('dns');
    expect(error?.message).toBe('fetcher: missing.example does not resolve (DNS: no such host)');
  });
});

describe('configuration', () => {
  it('an unreadable ALLOW_PRIVATE_UPSTREAMS entry stops createNodeFetch with the variable named', () => {
    expect(() => createNodeFetch(['127.0.0.1', '10.0.0.0/33'])).toThrow(AllowlistError);
    expect(() => createNodeFetch(['http://x/'])).toThrow(/ALLOW_PRIVATE_UPSTREAMS: "http:\/\/x\/" is not/);
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1/'])('%s is refused by scheme', async (url) => {
    const { error } = await attempt(url, ['*']);
    expect(error?.code).toBe('scheme');
  });

  it('user:pass@ is refused in words', async () => {
    const { error } = await attempt(`http://user:secret@127.0.0.1:${port(upstream)}/feed.xml`, ['127.0.0.1']);
    expect(error?.code).toBe('url');
  });
});

async function startUpstreamOn(host: string, portNumber: number): Promise<Upstream> {
  // upstream.ts listens on port 0; this test needs a given port, so listen with node:http here.
  const { createServer } = await import('node:http');
  const hits = new Map<string, { method: string; headers: import('node:http').IncomingHttpHeaders }[]>();
  const bodies = new Map<string, string>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, [...(hits.get(path) ?? []), { method: req.method ?? 'GET', headers: req.headers }]);
    const body = bodies.get(path);
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/rss+xml', connection: 'close' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(portNumber, host, () => resolve());
  });
  const origin = `http://${host}:${portNumber}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    route: () => {
      throw new Error('not supported');
    },
    feed: (path, body) => void bodies.set(path, body.toString()),
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
