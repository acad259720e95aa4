// RSS goes through `feed` 6.0.0 (and xml-js under it). These tests pin the library defects that
// src/render/rss.ts works around, so that an upgrade that fixes or changes them is noticed, and
// check that our output does not have them.
import { Feed } from 'feed';
import { describe, expect, it } from 'vitest';
import { renderRss } from '../src/render/rss.ts';
import { document, item } from './fixtures/render/documents.ts';
import { checkXmlFeeds, requireTools, tools, xmlWellFormednessErrors } from './helpers/validators.ts';

function rawFeed(itemOptions: Record<string, unknown>): string {
  const feed = new Feed({
    id: 'https://relay.example.org/feeds/x',
    title: 'x',
    link: 'https://relay.example.org/',
    copyright: '',
    updated: new Date(0),
  });
  feed.addItem({ title: 'x', link: 'https://relay.example.org/1', date: new Date(0), ...itemOptions } as Parameters<Feed['addItem']>[0]);
  return feed.rss2();
}

describe('feed 6.0.0 defects (rss.ts works around each)', () => {
  it('two `]]>` in a CDATA field make its output malformed; ours is well-formed', (ctx) => {
    requireTools(ctx, tools.xmllint);
    expect(xmlWellFormednessErrors(rawFeed({ content: 'a ]]> b ]]> c' }))).not.toEqual([]);
    const doc = document({ items: [item({ title: 'a ]]> b ]]> c', summary: 'a ]]> b ]]> c', contentHtml: 'a ]]> b ]]> c' })] });
    expect(xmlWellFormednessErrors(renderRss(doc))).toEqual([]);
  });

  it('a literal "&amp;" in element text comes out as "&"; ours keeps the text', (ctx) => {
    expect(rawFeed({ category: [{ name: 'Use &amp; for &' }] })).toContain('<category>Use &amp; for &amp;</category>');
    const xml = renderRss(document({ title: 'Feed &amp; more', items: [item({ tags: ['Use &amp; for &'], author: 'A &amp; B' })] }));
    expect(xml).toContain('<category>Use &amp;amp; for &amp;</category>');
    requireTools(ctx, tools.feedparser);
    const [check] = checkXmlFeeds([{ xml, self: null }]);
    expect(check!.feedparser.entries[0]!.tags).toEqual(['Use &amp; for &']);
    expect(check!.feedparser.entries[0]!.author).toBe('A &amp; B');
    expect(check!.feedparser.feed.title.text).toBe('Feed &amp; more');
  });

  it('a relative link throws; ours links to the permalink', () => {
    expect(() => rawFeed({ link: '/relative' })).toThrow();
    const doc = document({ items: [item({ url: '/relative' })] });
    expect(renderRss(doc)).toContain(`<link>${doc.items[0]!.permalink}</link>`);
  });

  it('attribute values are written unescaped; ours are escaped', (ctx) => {
    requireTools(ctx, tools.xmllint);
    const doc = document({
      items: [item({ sources: [{ title: 'A "B" <C> & D', feedUrl: 'https://a.example.com/?x=1&y=2', siteUrl: null }, { title: 'E', feedUrl: 'https://e.example.com/', siteUrl: null }] })],
    });
    const xml = renderRss(doc);
    expect(xml).toContain('<atom:link rel="via" href="https://a.example.com/?x=1&amp;y=2" title="A &quot;B&quot; &lt;C&gt; &amp; D"/>');
    expect(xmlWellFormednessErrors(xml)).toEqual([]);
  });

  it('the dc namespace is declared whether or not an item has content:encoded', (ctx) => {
    requireTools(ctx, tools.xmllint);
    // No item with both summary and content: `feed` declares no dc namespace, dc:creator does.
    const plain = renderRss(document({ items: [item({ author: 'Ann', summary: null })] }));
    expect(plain).not.toContain('content:encoded');
    expect(plain).toContain('<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Ann</dc:creator>');
    expect(xmlWellFormednessErrors(plain)).toEqual([]);
    // One item with both: `feed` declares it on <rss>.
    const rich = renderRss(document({ items: [item({ author: 'Ann', summary: '<p>s</p>' })] }));
    expect(rich).toMatch(/<rss [^>]*xmlns:dc="http:\/\/purl.org\/dc\/elements\/1.1\/"/);
    expect(rich).toContain('<dc:creator>Ann</dc:creator>');
    expect(xmlWellFormednessErrors(rich)).toEqual([]);
  });

  it('`feed`’s own rel="self" is replaced by ours: exactly one, before the items', () => {
    const xml = renderRss(document({ items: [item()] }));
    expect(xml.match(/rel="self"/g)).toHaveLength(1);
    expect(xml.indexOf('rel="self"')).toBeLessThan(xml.indexOf('<item>'));
    expect(xml).toContain('<atom:link rel="first"');
  });

  it('the channel always has a description (the title when the category has none)', () => {
    expect(renderRss(document({ description: '', items: [] }))).toContain('<description>科技日报新闻</description>');
  });
});

describe('RSS text', () => {
  it('a channel title and description with markup characters are read as text', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const title = '<b>Tech</b> & "Science"';
    const description = 'News about <i>x</i> &amp; y';
    const [check] = checkXmlFeeds([{ xml: renderRss(document({ title, description, items: [] })), self: null }]);
    expect(check!.feedparser.feed.title.text).toBe(title);
    expect(check!.feedparser.feed.subtitle.text).toBe(description);
  });
});
