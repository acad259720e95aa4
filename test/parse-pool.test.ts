// The parse pool (entry/parse-pool.ts): the same result as parsing in-line, ParseErrors as
// ParseErrors, and in-line parsing when the pool is closed.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createParsePool } from '../src/entry/parse-pool.ts';
import { parseAndNormalize } from '../src/poller/parse.ts';
import { ParseError } from '../src/parser/index.ts';

const techRss = readFileSync('test/fixtures/feeds/tech-rss.xml');
const URL_ = 'http://fixture.test/tech.xml';

describe('parse pool', () => {
  const pool = createParsePool(1, { eager: true });
  afterAll(() => pool.close());

  it('starts a thread', async () => {
    expect(await pool.whenReady()).toBe(true);
  });

  it('answers what parsing in-line answers, Dates included', async () => {
    const before = pool.counts();
    const inline = await parseAndNormalize(techRss, 'application/rss+xml', URL_);
    // Several at once, queued on the thread.
    const pooled = await Promise.all(Array.from({ length: 6 }, () => pool.parse(techRss, 'application/rss+xml', URL_)));
    for (const result of pooled) {
      expect(result).toEqual(inline);
      expect(result.feed.entries.find((e) => e.publishedAt)?.publishedAt).toBeInstanceOf(Date);
    }
    expect(pool.counts()).toEqual({ pooled: before.pooled + 6, inline: before.inline });
  });

  it('rejects a body that is not a feed with a ParseError, as in-line parsing does', async () => {
    const body = new TextEncoder().encode('<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>hi</body></html>');
    const inline = await parseAndNormalize(body, 'text/html', URL_).catch((e: unknown) => e);
    const pooled = await pool.parse(body, 'text/html', URL_).catch((e: unknown) => e);
    expect(inline).toBeInstanceOf(ParseError);
    expect(pooled).toBeInstanceOf(ParseError);
    expect((pooled as ParseError).message).toBe((inline as ParseError).message);
    expect((pooled as ParseError).feedLinks).toEqual((inline as ParseError).feedLinks);
  });

  it('parses in-line once closed', async () => {
    const closed = createParsePool(1);
    await closed.close();
    expect((await closed.parse(techRss, 'application/rss+xml', URL_)).feed.entries.length).toBeGreaterThan(0);
    expect(closed.counts()).toEqual({ pooled: 0, inline: 1 });
  });

  it("uses a thread that is ready while this thread's event loop is too busy to read its message", async () => {
    // The first bodies of a poll arrive while this thread is busy; the thread's "ready" message
    // waits for the event loop, its shared flag does not.
    const fresh = createParsePool(1, { eager: true });
    try {
      const deadline = Date.now() + 60_000;
      // Spin without yielding: no message from the thread can be read meanwhile.
      while (!fresh.hasReadyThread() && Date.now() < deadline);
      expect(fresh.hasReadyThread()).toBe(true);
      const parsed = await fresh.parse(techRss, 'application/rss+xml', URL_);
      expect(parsed.feed.entries.length).toBeGreaterThan(0);
      expect(fresh.counts()).toEqual({ pooled: 1, inline: 0 });
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
