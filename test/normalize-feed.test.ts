// normalizeFeed: URL resolution order, text fields, dates in the feed's zone, content, bounds.
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../src/normalize/index.ts';
import type { RawEntry, RawFeed } from '../src/parser/index.ts';
import { rawEntry, rawFeed } from './fixtures/normalize/raw.ts';
import { violations } from './fixtures/normalize/safe-html.ts';

const RESPONSE = 'https://cdn.example/feeds/rss.xml';

const one = (e: Partial<RawEntry>, f: Partial<RawFeed> = {}, url = RESPONSE) => normalizeFeed(rawFeed([rawEntry(e)], f), url).entries[0]!;

describe('URL resolution', () => {
  const item = { link: 'post/1', contentHtml: '<a href="x">x</a><img src="/i.png">', image: 'img.png', enclosures: [{ url: 'a.mp3', type: 'audio/mpeg', length: 10 }] };

  it('uses the entry xml:base first, relative to the document', () => {
    const e = one({ ...item, base: '/blog/2026/' }, { base: 'https://base.example/feed/', link: 'https://site.example/' });
    expect(e.link).toBe('https://cdn.example/blog/2026/post/1');
    expect(e.contentHtml).toBe('<a href="https://cdn.example/blog/2026/x" rel="noopener noreferrer">x</a><img src="https://cdn.example/i.png" />');
    expect(e.imageUrl).toBe('https://cdn.example/blog/2026/img.png');
    expect(e.enclosures).toEqual([{ url: 'https://cdn.example/blog/2026/a.mp3', type: 'audio/mpeg', length: 10 }]);
  });

  it('then the feed xml:base, relative to the document', () => {
    const e = one(item, { base: '../site/', link: 'https://site.example/' });
    expect(e.link).toBe('https://cdn.example/site/post/1');
  });

  it('then the feed link (its home page), itself relative to the document', () => {
    expect(one(item, { link: 'https://site.example/news/' }).link).toBe('https://site.example/news/post/1');
    expect(one(item, { link: '/home/' }).link).toBe('https://cdn.example/home/post/1');
  });

  it('then the URL the document came from', () => {
    expect(one(item).link).toBe('https://cdn.example/feeds/post/1');
    expect(one(item, { link: 'javascript:alert(1)' }).link).toBe('https://cdn.example/feeds/post/1');
  });

  it('falls back to a permalink guid, and drops links that are no web URLs', () => {
    expect(one({ guid: 'https://site.example/p/9' }).link).toBe('https://site.example/p/9');
    expect(one({ guid: 'tag:site.example,2026:9' }).link).toBeNull();
    expect(one({ link: 'javascript:alert(1)' }).link).toBeNull();
    expect(one({ link: 'http://exa mple.com/' }).link).toBeNull();
  });

  it('reports the site URL absolute', () => {
    expect(normalizeFeed(rawFeed([], { link: '/' }), RESPONSE).siteUrl).toBe('https://cdn.example/');
  });
});

describe('text fields', () => {
  it('makes titles text: markup removed, escaped markup kept as text', () => {
    expect(one({ title: '<b>Quantum</b> chip &amp; more' }).title).toBe('Quantum chip & more');
    expect(one({ title: '&lt;img src=x onerror=alert(1)&gt;' }).title).toBe('<img src=x onerror=alert(1)>');
    expect(one({ title: '<img src=x onerror=alert(1)>', link: 'https://site.example/p' }).title).toBe('https://site.example/p');
  });

  it('titles an untitled entry from its text, then its link, then "Untitled"', () => {
    const long = 'A long first sentence of the article body that goes on well past eighty characters of text.';
    expect(one({ contentHtml: `<p>${long}</p>` }).title).toBe(`${long.slice(0, 79).trimEnd()}…`);
    expect(one({ link: 'https://site.example/p' }).title).toBe('https://site.example/p');
    expect(one({}).title).toBe('Untitled');
  });

  it('keeps author names, not addresses', () => {
    expect(one({ author: 'jdoe@example.com (John Doe)' }).author).toBe('John Doe');
    expect(one({ author: '"Jane Roe" <jane@example.com>' }).author).toBe('Jane Roe');
    expect(one({ author: 'News &amp; Views Desk' }).author).toBe('News & Views Desk');
    expect(one({ author: '  ' }).author).toBeNull();
  });

  it('decodes, deduplicates and bounds categories', () => {
    expect(one({ categories: ['News &amp; Events', 'news & events', '<b>Tech</b>', ' ', 'ＡＩ', 'AI'] }).tags).toEqual(['News & Events', 'Tech', 'ＡＩ']);
    expect(one({ categories: Array.from({ length: 80 }, (_, i) => `t${i}`) }).tags).toHaveLength(50);
    expect(one({ categories: ['x'.repeat(500)] }).tags[0]).toHaveLength(100);
  });

  it('bounds titles and authors', () => {
    expect([...one({ title: '标'.repeat(10_000) }).title]).toHaveLength(500);
    expect([...one({ author: 'n'.repeat(1000) }).author!]).toHaveLength(200);
  });

  it('normalizes the language tag', () => {
    expect(normalizeFeed(rawFeed([], { language: 'zh_CN' }), RESPONSE).language).toBe('zh-CN');
    expect(normalizeFeed(rawFeed([], { language: ' en-us ' }), RESPONSE).language).toBe('en-us');
    expect(normalizeFeed(rawFeed([], { language: 'English <b>' }), RESPONSE).language).toBeNull();
  });
});

describe('dates', () => {
  it('reads zone-less and CST dates in the zone of the feed language', () => {
    const e = one({ published: '2026-11-02 08:00:00', updated: 'Mon, 02 Nov 2026 09:00:00 CST' }, { language: 'zh-CN' });
    expect(e.publishedAt?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(e.updatedAt?.toISOString()).toBe('2026-11-02T01:00:00.000Z');
    const en = one({ published: 'Mon, 02 Nov 2026 09:00:00 CST' }, { language: 'en' });
    expect(en.publishedAt?.toISOString()).toBe('2026-11-02T15:00:00.000Z');
  });

  it('guesses Chinese from the titles when the language is missing', () => {
    const e = one({ title: '科技日报：量子芯片', published: '2026-11-02 08:00' }, { language: null, title: null });
    expect(e.publishedAt?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
  });

  it('falls back from an invalid published date to the updated one, else null', () => {
    expect(one({ published: 'yesterday', updated: '2026-11-02T08:00:00Z' }).publishedAt?.toISOString()).toBe('2026-11-02T08:00:00.000Z');
    const e = one({ published: 'yesterday' });
    expect(e.publishedAt).toBeNull();
    expect(e.updatedAt).toBeNull();
  });
});

describe('content', () => {
  it('sanitizes content and summary, keeping the summary only when it differs', () => {
    const e = one({ contentHtml: '<p onclick="x()">Body</p><script>x()</script>', summary: '<p>Short</p>' });
    expect(e.contentHtml).toBe('<p>Body</p>');
    expect(e.summary).toBe('<p>Short</p>');
    expect(one({ contentHtml: '<p>Same</p>', summary: '<p>Same</p>' }).summary).toBeNull();
    const onlySummary = one({ summary: '<p>Only</p>' });
    expect(onlySummary.contentHtml).toBe('<p>Only</p>');
    expect(onlySummary.summary).toBeNull();
  });

  it('validates enclosure types and lengths and drops duplicates and unusable URLs', () => {
    const e = one({
      enclosures: [
        { url: 'https://cdn.example/a.mp3', type: 'Audio/MPEG; charset=x', length: 123 },
        { url: 'https://cdn.example/a.mp3', type: 'audio/mpeg', length: 123 },
        { url: 'https://cdn.example/b.jpg', type: 'image<script>', length: -5 },
        { url: 'javascript:alert(1)', type: 'audio/mpeg', length: 1 },
      ],
    });
    expect(e.enclosures).toEqual([
      { url: 'https://cdn.example/a.mp3', type: 'audio/mpeg', length: 123 },
      { url: 'https://cdn.example/b.jpg', type: null, length: null },
    ]);
  });
});

describe('hostile feeds', () => {
  it('yields clean strings everywhere: no forbidden characters, lone surrogates or unsafe HTML', () => {
    const nasty = '\u0000\u0001\uD800\uFFFE<script>alert(1)</script>&#1;';
    const feed = normalizeFeed(
      rawFeed(
        [
          rawEntry({ guid: nasty, link: `https://ok.example/${nasty}`, title: nasty, contentHtml: `<p>${nasty}</p><img src=x onerror=alert(1)>`, summary: nasty, author: nasty, categories: [nasty], published: nasty, updated: '9999-12-31T23:59:59Z', image: nasty }),
          rawEntry({ title: 'fine', link: 'https://ok.example/fine', published: '2026-11-02T08:00:00Z' }),
        ],
        { title: nasty, link: nasty, language: nasty },
      ),
      RESPONSE,
    );
    expect(feed.entries).toHaveLength(2);
    const json = JSON.stringify(feed);
    expect(json).not.toMatch(/\\u000[0-8bcef]|\\u001[0-9a-f]|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|\\ufff[ef]/i);
    expect(json).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    for (const e of feed.entries) {
      for (const html of [e.contentHtml, e.summary]) if (html) expect(violations(html)).toEqual([]);
      expect(e.title).not.toContain('<script');
    }
    expect(feed.entries[0]!.updatedAt?.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(feed.entries[1]!.publishedAt?.toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });
});
