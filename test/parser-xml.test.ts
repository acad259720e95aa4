// RSS 2.0, RSS 1.0 (RDF) and Atom fields, from fixtures written for these tests
// (test/fixtures/parser/README.md), plus the repairs real feeds need.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError, parseFeed, type RawFeed } from '../src/parser/index.ts';
import { fixText } from '../src/parser/xml-entities.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/parser/${name}`, import.meta.url)));
const xml = (text: string) => new TextEncoder().encode(text);
const rssWith = (item: string, channel = '') =>
  xml(`<rss version="2.0"><channel><title>T</title><link>http://example.org/</link>${channel}<item>${item}</item></channel></rss>`);

describe('parser: RSS 2.0', () => {
  let feed: RawFeed;
  it('reads channel metadata and polling hints', async () => {
    feed = await parseFeed(fixture('rss2-full.xml'), 'text/html; charset=utf-8');
    expect(feed).toMatchObject({
      format: 'rss',
      title: 'Full RSS',
      link: 'https://example.com/',
      description: 'Everything & more',
      language: 'fr-FR',
      ttlMinutes: 90,
      skipHours: [0, 7, 23], // 24 is midnight; "oops" is nothing
      skipDays: ['Saturday', 'Sunday'], // "Caturday" is nothing
      base: null,
    });
    expect(feed.entries).toHaveLength(4);
  });

  it('reads every field of an item, whatever prefixes the namespaces use', () => {
    expect(feed.entries[0]).toEqual({
      guid: 'cafe-2024',
      link: 'https://example.com/cafe',
      title: 'Café & crème\u00A0brûlée — a review', // HTML entities understood
      contentHtml: '<p>Full <b>content</b> with &nbsp; kept as written</p>', // CDATA untouched
      summary: '<p>Summary with &nbsp; escaped entity</p>',
      author: 'Marie Curie, Pierre Curie',
      categories: ['Food', 'Desserts'],
      published: 'Tue, 07 May 2024 08:00:00 +0200',
      updated: null,
      enclosures: [
        { url: 'https://example.com/cafe.mp3', type: 'audio/mpeg', length: 98765 },
        { url: 'https://example.com/cafe-hd.mp4', type: 'video/mp4', length: 555 },
      ],
      image: 'https://example.com/cafe-thumb.jpg',
      base: null,
    });
  });

  it('keeps inline markup of a description in order', () => {
    expect(feed.entries[1]!.summary).toBe('Inline <b>markup</b> in <i>order</i>, then text &amp; an © sign');
  });

  it('takes the name from an RSS author e-mail and falls back to itunes:author', () => {
    expect(feed.entries[1]!.author).toBe('Jo Smith');
    expect(feed.entries[2]!.author).toBe('The Host');
  });

  it('finds the picture: media:thumbnail, image media:content, itunes:image, image enclosure', () => {
    expect(feed.entries.map((e) => e.image)).toEqual([
      'https://example.com/cafe-thumb.jpg',
      'https://example.com/photo.jpg',
      'https://example.com/ep3.jpg',
      'https://example.com/4.png',
    ]);
  });

  it('keeps an item without a link and an enclosure without a usable length', () => {
    expect(feed.entries[1]!.link).toBeNull();
    expect(feed.entries[1]!.guid).toBe('https://example.com/posts/2');
    expect(feed.entries[2]!.enclosures).toEqual([{ url: 'https://example.com/ep3.m4a', type: 'audio/x-m4a', length: null }]);
  });

  it('reads <rss> without a version, and items straight under <rss>', async () => {
    const flat = await parseFeed(xml('<rss><item><title>A</title></item><item><title>B</title></item></rss>'), null);
    expect(flat.entries.map((e) => e.title)).toEqual(['A', 'B']);
  });
});

describe('parser: RSS 1.0 (RDF)', () => {
  it('reads items, rdf:about and HTML entities', async () => {
    const feed = await parseFeed(fixture('rss1-html-entities.rdf'), 'application/octet-stream');
    expect(feed.format).toBe('rdf');
    expect(feed.title).toBe('Nachrichten\u00A0– RDF');
    expect(feed.language).toBe('de');
    expect(feed.entries).toHaveLength(2);
    const [first, second] = feed.entries;
    expect(first).toMatchObject({
      guid: 'http://example.net/1',
      link: 'http://example.net/1',
      title: 'München\u00A0— „Grüße“ & <mehr> …',
      author: 'Anna',
      categories: ['Stadt'],
      published: '2024-05-01T12:00:00+02:00',
    });
    // Unknown entities stay as text; numeric references are characters; &#1; is forbidden: gone.
    expect(first!.summary).toBe('Preis: 5\u00A0€ © 2024 &unknownentity; € €  A');
    expect(second!.summary).toBe('Tom &nbsp; Jerry & <b>friends</b>');
  });
});

describe('parser: Atom', () => {
  let feed: RawFeed;
  it('resolves xml:base of feed and entries against each other and the document URL', async () => {
    feed = await parseFeed(fixture('atom-xml-base.xml'), 'application/atom+xml', 'https://example.org/feeds/blog.atom');
    expect(feed.format).toBe('atom');
    expect(feed.base).toBe('http://example.org/blog/');
    expect(feed.entries.map((e) => e.base)).toEqual([
      'http://example.org/blog/posts/',
      'http://example.org/blog/', // no xml:base of its own: the feed's is in force
      'http://cdn.example.net/other/',
    ]);
  });

  it('combines relative bases without a document URL, relative to the document', async () => {
    const relative = await parseFeed(
      xml('<feed xmlns="http://www.w3.org/2005/Atom" xml:base="feed/"><entry xml:base="entry/"><id>1</id></entry><entry><id>2</id></entry></feed>'),
      null,
    );
    expect(relative.base).toBe('feed/');
    expect(relative.entries.map((e) => e.base)).toEqual(['feed/entry/', 'feed/']);
  });

  it('reads feed metadata', () => {
    expect(feed).toMatchObject({
      title: 'Base &amp; Links', // type="text": escaped, so it stays text
      link: './', // rel="alternate" type="text/html", not the JSON alternate nor self
      description: 'A feed with <em>relative</em> links',
      language: 'en-GB',
    });
  });

  it('reads every field of an entry', () => {
    expect(feed.entries[0]).toEqual({
      guid: 'tag:example.org,2024:hello',
      link: '2024/hello.html',
      title: 'Hello <b>world</b>',
      contentHtml: '<div>Hello <b>bold</b> and <a href="img/x.png">a link</a> &amp; more<br/>end</div>',
      summary: '<p>Short &amp; sweet</p>',
      author: 'Ada, Grace',
      categories: ['Technology', 'news'],
      published: '2024-05-01T09:00:00Z',
      updated: '2024-05-01T09:30:00+02:00',
      enclosures: [{ url: '../media/hello.mp3', type: 'audio/mpeg', length: 1234 }],
      image: null,
      base: 'http://example.org/blog/posts/',
    });
  });

  it('escapes text constructs, inherits the feed author, repairs stray < and &', () => {
    const second = feed.entries[1]!;
    expect(second.title).toBe('Less than &lt;3 &amp; greater &gt; than');
    expect(second.contentHtml).toBe('<p>Line one<br>Line two</p><p>Paragraph &lt;b&gt;not bold&lt;/b&gt;</p>');
    expect(second.author).toBe('Feed Author');
    expect(second.link).toBe('second.html'); // a link without rel is the alternate
  });

  it('has no content for out-of-line content (src)', () => {
    expect(feed.entries[2]!.contentHtml).toBeNull();
  });

  it('keeps every entry when dates are invalid or links missing (rss-parser alone throws RangeError)', async () => {
    const dated = await parseFeed(fixture('atom-invalid-date.xml'), null);
    expect(dated.entries.map((e) => [e.guid, e.link, e.published, e.updated])).toEqual([
      ['urn:bad', 'http://example.org/bad', 'not a date', '2024-13-45T99:99:99Z'],
      ['urn:nolink', null, null, '2024-05-01T00:00:00Z'],
      ['urn:emptylink', null, '2024-05-02T00:00:00Z', null],
      ['urn:good', 'http://example.org/good', '2024-05-03T00:00:00Z', null],
    ]);
  });

  it('reads Atom 0.3: modes, issued/modified, tagline', async () => {
    const base64 = Buffer.from('<p>Base64 body</p>').toString('base64');
    const old = await parseFeed(
      xml(`<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title><tagline>Tag</tagline>
        <link rel="alternate" type="text/html" href="http://example.org/"/>
        <entry><title mode="escaped" type="text/html">A &amp;amp; B</title><issued>2004-01-01T00:00:00Z</issued>
        <modified>2004-01-02T00:00:00Z</modified><id>x</id>
        <content type="text/html" mode="base64">${base64}</content></entry></feed>`),
      null,
    );
    expect(old).toMatchObject({ title: 'Old', description: 'Tag', link: 'http://example.org/' });
    expect(old.entries[0]).toMatchObject({
      title: 'A &amp; B',
      published: '2004-01-01T00:00:00Z',
      updated: '2004-01-02T00:00:00Z',
      contentHtml: '<p>Base64 body</p>',
    });
  });

  it('reads a prefixed Atom document and Media RSS in entries (YouTube style)', async () => {
    const feed2 = await parseFeed(
      xml(`<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
        <a:title>Channel</a:title><a:entry><a:id>yt:1</a:id><a:title>Video</a:title>
        <a:link rel="alternate" href="https://www.youtube.com/watch?v=1"/>
        <media:group><media:title>Video</media:title><media:description>Line 1
Line 2</media:description>
        <media:thumbnail url="https://i.ytimg.com/vi/1/hqdefault.jpg" width="480" height="360"/>
        <media:content url="https://www.youtube.com/v/1" type="application/x-shockwave-flash"/></media:group>
        </a:entry></a:feed>`),
      null,
    );
    expect(feed2.format).toBe('atom');
    expect(feed2.entries[0]).toMatchObject({
      link: 'https://www.youtube.com/watch?v=1',
      summary: '<p>Line 1<br>Line 2</p>',
      image: 'https://i.ytimg.com/vi/1/hqdefault.jpg',
      enclosures: [{ url: 'https://www.youtube.com/v/1', type: 'application/x-shockwave-flash', length: null }],
    });
  });
});

describe('parser: repairs', () => {
  it('reads bare ampersands, unquoted attributes and unclosed tags', async () => {
    const feed = await parseFeed(
      rssWith('<title>AT&T & Co</title><link>http://example.org/?a=1&b=2</link><enclosure url=http://example.org/a.mp3 type=audio/mpeg length=5>'),
      null,
    );
    expect(feed.entries[0]).toMatchObject({
      title: 'AT&T & Co',
      link: 'http://example.org/?a=1&b=2',
      enclosures: [{ url: 'http://example.org/a.mp3', type: 'audio/mpeg', length: 5 }],
    });
  });

  it('closes tags left open inside a description and keeps <br> from swallowing the rest', async () => {
    const feed = await parseFeed(rssWith('<title>x</title><description>one<br>two <p>three</description><link>http://example.org/x</link>'), null);
    expect(feed.entries[0]!.summary).toBe('one<br/>two <p>three</p>');
    expect(feed.entries[0]!.link).toBe('http://example.org/x');
  });

  it('keeps CDATA as text when it is mixed with markup in one description', async () => {
    const feed = await parseFeed(rssWith('<description><![CDATA[a <b>c</b> & d]]><p>para</p></description>'), null);
    expect(feed.entries[0]!.summary).toBe('a &lt;b&gt;c&lt;/b&gt; &amp; d<p>para</p>');
  });

  it('ignores junk before the XML declaration and after the root element', async () => {
    const feed = await parseFeed(
      xml('<br />\n<b>Warning</b>: something in <b>/var/www/feed.php</b><br />\n<?xml version="1.0"?><rss version="2.0"><channel><title>Behind warnings</title></channel></rss>\n<script>track()</script><div>'),
      null,
    );
    expect(feed.title).toBe('Behind warnings');
  });

  it('reads a feed with an HTML DOCTYPE and entities an external DTD would define', async () => {
    const feed = await parseFeed(
      xml('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>&Uuml;ber &auml;rger</title><item><title>x</title></item></channel></rss>'),
      null,
    );
    expect(feed.title).toBe('Über ärger');
    expect(feed.entries).toHaveLength(1);
  });

  it('survives empty and text-only entries and items (rss-parser alone reads String.prototype.link)', async () => {
    const atom = await parseFeed(
      xml('<feed xmlns="http://www.w3.org/2005/Atom"><entry/><entry>just text</entry><entry><id>3</id><link href="http://example.org/3"/></entry></feed>'),
      null,
    );
    expect(atom.entries.map((e) => [e.guid, e.link])).toEqual([[null, null], [null, null], ['3', 'http://example.org/3']]);
    const rss = await parseFeed(xml('<rss version="2.0"><channel>text<item/><item>words</item><item><title>ok</title></item></channel></rss>'), null);
    expect(rss.entries.map((e) => e.title)).toEqual([null, null, 'ok']);
    const bare = await parseFeed(xml('<feed xmlns="http://www.w3.org/2005/Atom">nothing here</feed>'), null);
    expect(bare.entries).toEqual([]);
  });

  it('reads xml:base on <rss>, <channel> and <item>', async () => {
    const feed = await parseFeed(
      xml('<rss version="2.0" xml:base="http://example.com/root/"><channel xml:base="blog/"><title>b</title><item xml:base="2024/"><link>post.html</link></item><item><link>x</link></item></channel></rss>'),
      null,
    );
    expect(feed.base).toBe('http://example.com/root/blog/');
    expect(feed.entries.map((e) => e.base)).toEqual(['http://example.com/root/blog/2024/', 'http://example.com/root/blog/']);
  });

  it('keeps every item when all share one guid', async () => {
    const items = Array.from({ length: 3 }, (_, i) => `<item><guid>same</guid><title>Item ${i}</title></item>`).join('');
    const feed = await parseFeed(xml(`<rss version="2.0"><channel><title>x</title>${items}</channel></rss>`), null);
    expect(feed.entries.map((e) => [e.guid, e.title])).toEqual([['same', 'Item 0'], ['same', 'Item 1'], ['same', 'Item 2']]);
  });

  it('refuses an XML document that is not a feed, naming its root', async () => {
    await expect(parseFeed(xml('<?xml version="1.0"?><opml version="2.0"><body/></opml>'), null)).rejects.toThrow(
      /^parser: not a feed: the XML root element is <opml>/,
    );
    await expect(parseFeed(xml('<?xml version="1.0"?><!-- nothing -->'), null)).rejects.toBeInstanceOf(ParseError);
  });
});

describe('parser: entity references made acceptable to a strict XML parser', () => {
  it.each([
    ['&amp; &lt; &gt; &quot; &apos;', '&amp; &lt; &gt; &quot; &apos;'], // XML's own: untouched
    ['&nbsp;&eacute;&mdash;&NotEqualTilde;', '\u00A0é—≂̸'], // HTML's: the characters
    ['&LT;b&GT;', '&lt;b&gt;'], // HTML names for markup characters stay escaped
    ['&#65;&#x42;&#X43;&#0068;', 'ABCD'],
    ['&#60;&#38;&#x22;&#10;', '&lt;&amp;&quot;&#10;'],
    ['&#0;&#1;&#xFFFE;&#xD800;&#99999999;&#x110000;', ''], // forbidden or impossible: gone
    ['AT&T &copy 2024 a&&b & ;', 'AT&amp;T &amp;copy 2024 a&amp;&amp;b &amp; ;'], // bare ampersands
    ['&xxe; &lol9; &a1;', '&amp;xxe; &amp;lol9; &amp;a1;'], // unknown (DTD-declared) names: text
    ['&#; &#x; &#12a; &1a;', '&amp;#; &amp;#x; &amp;#12a; &amp;1a;'],
    ['a < b <3', 'a &lt; b &lt;3'],
  ])('%s', (input, expected) => {
    expect(fixText(input)).toBe(expected);
  });
});
