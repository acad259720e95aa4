// Hostile XML (notes/reliability.md, "Upstream XML"): external entities, entity bombs, prototype
// keys, deep nesting, huge nodes. Each must end fast and small, with a result or a ParseError.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseError, parseFeed, type RawFeed } from '../src/parser/index.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/parser/${name}`, import.meta.url)));
const xml = (text: string) => new TextEncoder().encode(text);

/** Runs a parse, measuring wall time and heap growth; returns the feed or the ParseError. */
async function measured(bytes: Uint8Array): Promise<{ result: RawFeed | ParseError; ms: number; heapMb: number }> {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let result: RawFeed | ParseError;
  try {
    result = await parseFeed(bytes, null);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error; // anything else is a crash
    result = error;
  }
  return { result, ms: performance.now() - started, heapMb: (process.memoryUsage().heapUsed - heapBefore) / 1e6 };
}

const allStrings = (feed: RawFeed) => JSON.stringify(feed);

describe('parser: external entities (XXE)', () => {
  let server: Server;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.end('SECRET-FROM-THE-NETWORK');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never reads a file named by a SYSTEM entity', async () => {
    const passwd = (() => {
      try {
        return readFileSync('/etc/passwd', 'utf8');
      } catch {
        return 'root:x:0:0';
      }
    })();
    const feed = await parseFeed(fixture('xxe-file.xml'), 'application/rss+xml');
    const out = allStrings(feed);
    expect(out).not.toContain(passwd.split('\n')[0]);
    expect(out).not.toContain('root:');
    // The feed itself survives; the reference stays visible as text.
    expect(feed.entries[0]!.title).toBe('Item &xxe;');
  });

  it('never fetches a URL named by a SYSTEM entity or an external DTD', async () => {
    const { port } = server.address() as AddressInfo;
    const doc = `<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:${port}/dtd" [
  <!ENTITY net SYSTEM "http://127.0.0.1:${port}/entity">
  <!ENTITY % param SYSTEM "http://127.0.0.1:${port}/param"> %param;
]>
<rss version="2.0"><channel><title>&net;</title><item><title>&net;</title></item></channel></rss>`;
    const feed = await parseFeed(xml(doc), null);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a request would have arrived by now
    expect(requests).toBe(0);
    expect(allStrings(feed)).not.toContain('SECRET-FROM-THE-NETWORK');
  });
});

describe('parser: entity bombs and floods', () => {
  it('billion laughs: no expansion, fast and small', async () => {
    const { result, ms, heapMb } = await measured(fixture('billion-laughs.xml'));
    expect(ms).toBeLessThan(1000);
    expect(heapMb).toBeLessThan(50);
    expect(result).not.toBeInstanceOf(ParseError);
    expect(allStrings(result as RawFeed).length).toBeLessThan(2000);
  });

  it('quadratic blow-up (one 100 KB entity used 100 times): no expansion', async () => {
    const big = 'x'.repeat(100_000);
    const uses = '&big;'.repeat(100);
    const doc = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "${big}">]><rss version="2.0"><channel><title>q</title><item><title>${uses}</title><description>${uses}</description></item></channel></rss>`;
    const { result, ms, heapMb } = await measured(xml(doc));
    expect(ms).toBeLessThan(1000);
    expect(heapMb).toBeLessThan(50);
    expect((result as RawFeed).entries[0]!.title!.length).toBe(uses.length);
  });

  it('one million &#65; references: done in under a second', async () => {
    const doc = `<rss version="2.0"><channel><title>n</title><item><title>${'&#65;'.repeat(1_000_000)}</title></item></channel></rss>`;
    const { result, ms, heapMb } = await measured(xml(doc));
    expect(ms).toBeLessThan(1000);
    expect(heapMb).toBeLessThan(50);
    expect((result as RawFeed).entries[0]!.title).toBe('A'.repeat(1_000_000));
  });
});

describe('parser: prototype keys', () => {
  it('elements and attributes named __proto__, constructor, prototype pollute nothing', async () => {
    const doc = `<rss version="2.0" __proto__="x"><channel><__proto__><polluted>yes</polluted></__proto__>
      <constructor><prototype><polluted>yes</polluted></prototype></constructor><title>P</title>
      <item __proto__="a" constructor="b"><__proto__><polluted>1</polluted></__proto__><constructor>c</constructor>
      <hasOwnProperty>d</hasOwnProperty><title>Safe</title><toString>e</toString></item></channel></rss>`;
    const feed = await parseFeed(xml(doc), null);
    expect(feed.entries.map((e) => e.title)).toEqual(['Safe']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getPrototypeOf(feed.entries[0])).toBe(Object.prototype);
    expect(typeof ({} as { hasOwnProperty: unknown }).hasOwnProperty).toBe('function');
  });
});

describe('parser: size and depth', () => {
  it('100k nested elements: a bounded error, no stack overflow', async () => {
    const doc = `<rss version="2.0"><channel><title>d</title><item><title>x</title>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</item></channel></rss>`;
    const { result, ms } = await measured(xml(doc));
    expect(ms).toBeLessThan(2000);
    expect(result).toBeInstanceOf(ParseError);
    expect((result as ParseError).message).toMatch(/^parser: the document nests elements more than \d+ deep/);
  });

  it('100k nested elements inside a description: the markup is kept as a string, bounded', async () => {
    const doc = `<rss version="2.0"><channel><title>d</title><item><title>x</title><description>${'<div>'.repeat(100_000)}deep${'</div>'.repeat(100_000)}</description></item></channel></rss>`;
    const { result, ms } = await measured(xml(doc));
    expect(ms).toBeLessThan(2000);
    expect((result as RawFeed).entries[0]!.summary).toContain('deep');
  });

  it('100k unclosed elements: bounded', async () => {
    const doc = `<rss version="2.0"><channel><title>d</title><item><title>x</title>${'<a>'.repeat(100_000)}`;
    const { result, ms } = await measured(xml(doc));
    expect(ms).toBeLessThan(2000);
    expect(result).toBeInstanceOf(ParseError);
  });

  it('one 10 MB text node: a result in bounded time', async () => {
    const doc = `<rss version="2.0"><channel><title>big</title><item><title>t</title><description>${'lorem ipsum '.repeat(875_000)}</description></item></channel></rss>`;
    const { result, ms } = await measured(xml(doc));
    expect(ms).toBeLessThan(2000);
    expect((result as RawFeed).entries[0]!.summary!.length).toBeGreaterThan(10_000_000);
  });

  it('many stray end tags: linear, not quadratic', async () => {
    const doc = `<rss version="2.0"><channel><title>s</title><item><title>x</title>${'</nope>'.repeat(300_000)}</item></channel></rss>`;
    const { result, ms } = await measured(xml(doc));
    expect(ms).toBeLessThan(2000);
    expect((result as RawFeed).entries).toHaveLength(1);
  });
});
