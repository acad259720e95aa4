// Same content, same bytes: renders never depend on the clock, and the feed's date comes from
// its items (ETags and Last-Modified rely on both).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAtom } from '../src/render/atom.ts';
import { buildFeedDocument } from '../src/render/document.ts';
import { renderFeed, type FeedDocument } from '../src/render/index.ts';
import { renderJsonFeed } from '../src/render/json-feed.ts';
import { renderRss } from '../src/render/rss.ts';
import type { ArticlePage } from '../src/store/feeds.ts';
import { document, hostileDocument, hours, item } from './fixtures/render/documents.ts';

const FORMATS = ['rss', 'atom', 'json'] as const;

function cloneDocument(doc: FeedDocument): FeedDocument {
  return structuredClone(doc);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('determinism', () => {
  it.for(FORMATS)('%s: the same document renders to identical bytes, twice and from a copy', (format) => {
    const { doc } = hostileDocument();
    const first = renderFeed(format, doc);
    expect(renderFeed(format, doc)).toBe(first);
    expect(renderFeed(format, cloneDocument(doc))).toBe(first);
  });

  it.for(FORMATS)('%s: the clock does not enter the output', (format) => {
    const doc = document({ items: [item(), item()] });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const before = renderFeed(format, doc);
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    const after = renderFeed(format, doc);
    expect(after).toBe(before);
    expect(after).not.toMatch(/2030|2031/);
  });

  it('the feed date is the document’s (from its items), in every format', () => {
    const doc = document({ items: [item({ updated: hours(-3) }), item({ updated: hours(-1) })], updated: hours(-1) });
    expect(renderRss(doc)).toContain(`<lastBuildDate>${hours(-1).toUTCString()}</lastBuildDate>`);
    expect(renderAtom(doc)).toContain(`  <updated>${hours(-1).toISOString()}</updated>`);
    // JSON Feed has no feed-level date; its items carry theirs.
    expect(JSON.parse(renderJsonFeed(doc)).items.map((i: { date_modified: string }) => i.date_modified)).toEqual([
      hours(-3).toISOString(),
      hours(-1).toISOString(),
    ]);
  });

  it('rendering does not change the document', () => {
    const { doc } = hostileDocument();
    const copy = cloneDocument(doc);
    for (const format of FORMATS) renderFeed(format, doc);
    expect(doc).toEqual(copy);
  });
});

describe('buildFeedDocument', () => {
  const article = (id: number, updated: Date) => ({
    id,
    public_id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    title: `Article ${id}`,
    url: `https://news.example.com/${id}`,
    content_html: '<p>x</p>',
    summary: null,
    author: null,
    tags: [],
    enclosures: [],
    image_url: null,
    published_at: updated,
    updated_at: updated,
  });
  const scope = {
    category: { slug: 'tech', title: 'Tech', description: '', language: 'en' },
    publicUrl: 'https://relay.example.org',
    limit: 50,
    defaultLimit: 50,
    before: null,
    nextCursor: null,
    changedAt: hours(-1),
  };
  const page = (articles: ReturnType<typeof article>[]) =>
    ({ articles, sources: new Map(), next: null }) as unknown as ArticlePage;

  it('dates the feed by its newest item, and an empty feed by when its content last changed, never by now', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    expect(buildFeedDocument(page([article(1, hours(-5)), article(2, hours(-2))]), scope).updated).toEqual(hours(-2));
    expect(buildFeedDocument(page([article(1, hours(-5))]), scope).updated).toEqual(hours(-5));
    expect(buildFeedDocument(page([]), scope).updated).toEqual(hours(-1));
  });
});
