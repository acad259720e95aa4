// JSON Feed 1.0/1.1, and bodies that are not feeds: HTML pages (with the feeds they advertise),
// challenge pages, empty bodies, other JSON.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError, parseFeed } from '../src/parser/index.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/parser/${name}`, import.meta.url)));
const bytes = (text: string) => new TextEncoder().encode(text);

async function parseError(body: Uint8Array, contentType: string | null = null, url: string | null = null): Promise<ParseError> {
  try {
    await parseFeed(body, contentType, url);
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error('expected a ParseError');
}

describe('parser: JSON Feed', () => {
  it('reads version 1.0 (single author, numeric id, content_text)', async () => {
    const feed = await parseFeed(fixture('jsonfeed-1.0.json'), 'application/json');
    expect(feed).toMatchObject({ format: 'json', title: 'JSON Feed 1.0', link: 'https://example.org/', description: 'Version one', base: null });
    expect(feed.entries).toEqual([
      {
        guid: '1',
        link: 'https://example.org/1',
        title: 'First',
        contentHtml: '<p>Hello</p>',
        summary: 'Hi',
        author: 'Item Author',
        categories: ['a', 'b'],
        published: '2024-05-01T10:00:00Z',
        updated: '2024-05-02T10:00:00Z',
        enclosures: [{ url: 'https://example.org/1.mp3', type: 'audio/mpeg', length: 1024 }],
        image: 'https://example.org/1.png',
        base: null,
      },
      {
        guid: '2',
        link: 'https://elsewhere.example/2',
        title: null,
        // Text becomes escaped HTML; the forbidden \u0001 is gone.
        contentHtml: '<p>Plain &lt;text&gt; &amp; stuff</p><p>Second paragraph</p>',
        summary: null,
        author: 'Feed Author',
        categories: [],
        published: null,
        updated: null,
        enclosures: [],
        image: null,
        base: null,
      },
    ]);
  });

  it('reads version 1.1 (authors lists, language, feed authors inherited)', async () => {
    const feed = await parseFeed(fixture('jsonfeed-1.1.json'), 'text/plain');
    expect(feed.language).toBe('en-US');
    expect(feed.entries.map((e) => e.author)).toEqual(['Alice, Bob', 'Feed One, Feed Two']);
    expect(feed.entries[0]!.image).toBe('https://example.org/a.jpg');
  });

  it('accepts a bare "1.1" version, refuses JSON that is not a JSON Feed', async () => {
    const loose = await parseFeed(bytes('{"version":"1.1","title":"x","items":[{"id":"a"}]}'), null);
    expect(loose.entries).toHaveLength(1);
    expect((await parseError(bytes('{"items":[{"id":"a"}]}'))).message).toMatch(/^parser: not a feed: the JSON document is not a JSON Feed/);
    expect((await parseError(bytes('{"version": "https://jsonfeed.org/version/1.1", "items": '))).message).toMatch(/not valid JSON/);
  });
});

describe('parser: not a feed', () => {
  it('refuses an HTML page, naming the feeds it advertises, resolved against the page URL and <base>', async () => {
    const error = await parseError(fixture('html-page.html'), 'application/rss+xml', 'https://example.com/blog/post.html');
    expect(error.message).toMatch(/^parser: not a feed: the upstream answered with an HTML page; it advertises these feeds: /);
    expect(error.feedLinks.map((l) => l.url)).toEqual([
      'https://example.com/blog/feed.xml',
      'https://example.com/atom.xml',
      'https://example.com/feed.json',
      'https://example.com/api/feed.json',
    ]);
    expect(error.feedLinks.map((l) => l.type)).toEqual(['application/rss+xml', 'application/atom+xml', 'application/feed+json', 'application/json']);
  });

  it('reports relative feed links as written when no page URL is known', async () => {
    const error = await parseError(bytes('<html><head><link rel="alternate" type="application/atom+xml" href="/atom"></head></html>'));
    expect(error.feedLinks).toEqual([{ url: '/atom', type: 'application/atom+xml', title: null }]);
  });

  it('refuses an HTML page without feed links, and XHTML served as XML', async () => {
    expect((await parseError(bytes('<!doctype html><title>Home</title><p>hi'))).message).toBe(
      'parser: not a feed: the upstream answered with an HTML page that advertises no feed',
    );
    const xhtml = await parseError(
      bytes('<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="alternate" type="application/rss+xml" href="http://example.com/rss"/></head></html>'),
      'application/xml',
    );
    expect(xhtml.feedLinks.map((l) => l.url)).toEqual(['http://example.com/rss']);
  });

  it('says so when the page is an anti-bot challenge', async () => {
    const error = await parseError(fixture('cloudflare-challenge.html'), 'text/html', 'https://example.com/feed');
    expect(error.message).toBe('parser: not a feed: the upstream answered with an anti-bot challenge page (Cloudflare) instead of the feed');
  });

  it('refuses an empty or blank body', async () => {
    for (const body of ['', '   \n\t', '\uFEFF']) {
      expect((await parseError(bytes(body))).message).toBe('parser: not a feed: the upstream answered with an empty body');
    }
  });

  it('refuses plain text', async () => {
    expect((await parseError(bytes('Service temporarily unavailable'))).message).toBe('parser: not a feed: the body is neither XML nor JSON');
  });
});
