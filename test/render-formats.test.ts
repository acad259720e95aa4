// Every output format, rendered from hand-built documents with hostile and odd content, checked by
// independent tools (test/helpers/validators.ts): xmllint (XML 1.0), jing (RFC 4287 schema), ajv
// (JSON Feed 1.1 schema), feedparser and the W3C Feed Validator's rules (RSS and Atom).
import { beforeAll, describe, expect, it } from 'vitest';
import { renderAtom } from '../src/render/atom.ts';
import { renderJsonFeed } from '../src/render/json-feed.ts';
import type { FeedDocument, FeedItem } from '../src/render/model.ts';
import { renderRss } from '../src/render/rss.ts';
import { document, expectedText, hostileDocument, item, MARKUP_TITLE, PUBLIC_URL } from './fixtures/render/documents.ts';
import {
  atomSchemaErrors,
  checkXmlFeeds,
  errorsOf,
  type FeedCheck,
  jsonFeedErrors,
  loneSurrogateEscapes,
  type ParsedEntry,
  relaxNg,
  requireTools,
  tools,
  warningsOf,
  xmlWellFormednessErrors,
} from './helpers/validators.ts';

const hostile = hostileDocument();
const ids = hostile.ids;
const pagedQuery = '?limit=20&before=MjAyNi0xMS0wMlQwMDowMDowMFo6NDI%3D';
const cases: Record<string, FeedDocument> = {
  hostile: hostile.doc,
  empty: document({ slug: 'empty', items: [], language: null, description: '' }),
  paged: document({
    slug: 'all',
    title: 'All categories',
    language: 'en',
    selfUrls: { rss: `${PUBLIC_URL}/feeds/all.rss?limit=20`, atom: `${PUBLIC_URL}/feeds/all.atom?limit=20`, json: `${PUBLIC_URL}/feeds/all.json?limit=20` },
    firstUrls: { rss: `${PUBLIC_URL}/feeds/all.rss?limit=20`, atom: `${PUBLIC_URL}/feeds/all.atom?limit=20`, json: `${PUBLIC_URL}/feeds/all.json?limit=20` },
    nextUrls: {
      rss: `${PUBLIC_URL}/feeds/all.rss${pagedQuery}`,
      atom: `${PUBLIC_URL}/feeds/all.atom${pagedQuery}`,
      json: `${PUBLIC_URL}/feeds/all.json${pagedQuery}`,
    },
    items: [item(), item(), item()],
  }),
  'bad language': document({ slug: 'odd', language: 'Chinese (Simplified)', items: [item()] }),
  // Every value of one item broken: the rest of the feed is still served, and valid.
  'broken item': document({
    slug: 'broken',
    items: [
      item(),
      item({
        title: ' \u0001 ',
        url: 'javascript:alert(1)',
        contentHtml: '',
        summary: '\uFFFE',
        author: '',
        tags: ['', '\u0002'],
        enclosures: [{ url: 'ftp://media.example.com/a.mp3', type: '', length: Number.NaN }],
        imageUrl: '//cdn.example.com/x.png',
        published: new Date(Number.NaN),
        updated: new Date(Number.NaN),
        sources: [{ title: '', feedUrl: '', siteUrl: '' }],
      }),
      item(),
    ],
  }),
};

interface Rendered {
  doc: FeedDocument;
  rss: string;
  atom: string;
  json: string;
}
const rendered: Record<string, Rendered> = Object.fromEntries(
  Object.entries(cases).map(([name, doc]) => [name, { doc, rss: renderRss(doc), atom: renderAtom(doc), json: renderJsonFeed(doc) }]),
);
const names = Object.keys(cases);

// One run of each slow tool for all documents.
let schemaErrors: Record<string, string[]> = {};
let checks: Record<string, { rss: FeedCheck; atom: FeedCheck }> = {};
beforeAll(() => {
  if (relaxNg.available && tools.schemas.available) {
    const errors = atomSchemaErrors(names.map((n) => rendered[n]!.atom));
    schemaErrors = Object.fromEntries(names.map((n, i) => [n, errors[i]!]));
  }
  if (tools.feedparser.available) {
    const results = checkXmlFeeds(
      names.flatMap((n) => [
        { xml: rendered[n]!.rss, self: cases[n]!.selfUrls.rss },
        { xml: rendered[n]!.atom, self: cases[n]!.selfUrls.atom },
      ]),
    );
    checks = Object.fromEntries(names.map((n, i) => [n, { rss: results[2 * i]!, atom: results[2 * i + 1]! }]));
  }
}, 120_000);

// W3C Feed Validator warnings our output must not cause. Those it may: ImplausibleDate (year 9999
// and the empty feed's 1970 are the data), BadCharacters (U+FFFD, which lone surrogates must
// become), ContainsHTML (a title that is the text "<b>bold</b>").
const AVOIDED_WARNINGS = [
  'AtomLinkNotEmpty',
  'AttrNotBlank',
  'DuplicateEnclosure',
  'EmailFormat',
  'FeedHistoryRelInEntry',
  'MissingAtomSelfLink',
  'MissingGuid',
  'MissingRealName',
  'MissingSourceElement',
  'MisplacedItem',
  'NeedDescriptionBeforeContent',
  'NotBlank',
  'NotSufficientlyUnique',
  'RelativeSelf',
  'SelfDoesntMatchLocation',
  'SelfNotAtom',
  'UnknownNamespace',
  'UnregisteredAtomLinkRel',
];

// Characters no output may hold: XML 1.0-forbidden, lone surrogates, C1 controls.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u0080-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const jsonOf = (name: string) => JSON.parse(rendered[name]!.json) as JsonFeed;
interface JsonFeed {
  title: string;
  home_page_url: string;
  feed_url: string;
  next_url?: string;
  language?: string;
  description?: string;
  items: JsonItem[];
}
interface JsonItem {
  id: string;
  url: string;
  title: string;
  content_html?: string;
  content_text?: string;
  summary?: string;
  date_published: string;
  date_modified: string;
  authors?: { name: string }[];
  tags?: string[];
  attachments?: { url: string; mime_type: string; size_in_bytes?: number }[];
  _feedrelay: { sources: { title: string; feed_url: string; home_page_url: string | null }[] };
}

/** The link every format must give an item: its own absolute link, else our permalink. */
function expectedLink(i: FeedItem): string {
  try {
    const url = new URL(i.url);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href.replace(/\|/g, '%7C').replace(/%(?![0-9A-F]{2})/g, '%25');
  } catch {
    // not absolute
  }
  return i.permalink;
}

/** The title every format must give an item: its text, or its link when it has none. */
const expectedTitle = (i: FeedItem) => (expectedText(i.title).trim() === '' ? expectedLink(i) : expectedText(i.title));

describe.each(names)('%s document', (name) => {
  const r = rendered[name]!;

  it('has no character XML 1.0 forbids, no lone surrogate, in any format', () => {
    for (const text of [r.rss, r.atom, r.json]) expect(text).not.toMatch(FORBIDDEN);
    expect(loneSurrogateEscapes(r.json)).toEqual([]);
  });

  it('RSS and Atom are well-formed XML 1.0 (xmllint)', (ctx) => {
    requireTools(ctx, tools.xmllint);
    expect(xmlWellFormednessErrors(r.rss)).toEqual([]);
    expect(xmlWellFormednessErrors(r.atom)).toEqual([]);
  });

  it(`Atom is valid against the RFC 4287 RELAX NG schema (${relaxNg.name})`, (ctx) => {
    requireTools(ctx, relaxNg, tools.schemas);
    expect(schemaErrors[name]).toEqual([]);
  });

  it('JSON Feed is valid against the JSON Feed 1.1 schema and the strict overlay (ajv)', (ctx) => {
    requireTools(ctx, tools.schemas);
    expect(jsonFeedErrors(r.json)).toEqual([]);
  });

  it.for(['rss', 'atom'] as const)('%s: strict XML parse, feedparser reads it without bozo, no W3C Feed Validator error', (format, ctx) => {
    requireTools(ctx, tools.feedparser);
    const check = checks[name]![format];
    expect(check.expat).toBeNull();
    expect(check.feedparser.bozo_exception).toBeNull();
    expect(check.feedparser.bozo).toBe(false);
    expect(check.feedparser.version).toBe(format === 'rss' ? 'rss20' : 'atom10');
    expect(errorsOf(check)).toEqual([]);
    expect(warningsOf(check, ...AVOIDED_WARNINGS)).toEqual([]);
  });

  it.for(['rss', 'atom'] as const)('%s: every item is read back with its id, title as text, and link', (format, ctx) => {
    requireTools(ctx, tools.feedparser);
    const entries = checks[name]![format].feedparser.entries;
    expect(entries.map((e) => e.id)).toEqual(r.doc.items.map((i) => i.id));
    expect(entries.map((e) => e.title.text)).toEqual(r.doc.items.map(expectedTitle));
    expect(entries.map((e) => e.link)).toEqual(r.doc.items.map(expectedLink));
  });

  it('json: every item with its id, title and link', () => {
    const feed = jsonOf(name);
    expect(feed.items.map((i) => i.id)).toEqual(r.doc.items.map((i) => i.id));
    expect(feed.items.map((i) => i.title)).toEqual(r.doc.items.map(expectedTitle));
    expect(feed.items.map((i) => i.url)).toEqual(r.doc.items.map(expectedLink));
  });

  it.for(['rss', 'atom'] as const)('%s: exactly one rel="self", the URL it is served at; first and next paging links', (format, ctx) => {
    requireTools(ctx, tools.feedparser);
    const links = checks[name]![format].feedparser.feed.links;
    const rel = (x: string) => links.filter((l) => l.rel === x).map((l) => l.href);
    expect(rel('self')).toEqual([r.doc.selfUrls[format]]);
    expect(rel('first')).toEqual([r.doc.firstUrls[format]]);
    expect(rel('next')).toEqual(r.doc.nextUrls ? [r.doc.nextUrls[format]] : []);
    expect(rel('alternate')).toEqual([r.doc.homeUrl]);
  });

  it('json: feed_url, home_page_url and next_url', () => {
    const feed = jsonOf(name);
    expect(feed.feed_url).toBe(r.doc.selfUrls.json);
    expect(feed.home_page_url).toBe(r.doc.homeUrl);
    expect(feed.next_url).toBe(r.doc.nextUrls?.json);
  });

  it('the feed title and language come through', (ctx) => {
    const language = /^[a-z]{2}(-[A-Z]{2})?$/.test(r.doc.language ?? '') ? r.doc.language : undefined;
    expect(jsonOf(name).title).toBe(r.doc.title);
    expect(jsonOf(name).language).toBe(language);
    requireTools(ctx, tools.feedparser);
    for (const format of ['rss', 'atom'] as const) {
      expect(checks[name]![format].feedparser.feed.title.text).toBe(r.doc.title);
      expect(checks[name]![format].feedparser.feed.language ?? undefined).toBe(language);
    }
  });
});

describe('hostile content', () => {
  const doc = hostile.doc;
  const byId = <T extends { id: string | null }>(list: T[], id: string) => list.find((e) => e.id === id)!;
  const rssEntry = (id: string): ParsedEntry => byId(checks.hostile!.rss.feedparser.entries, id);
  const atomEntry = (id: string): ParsedEntry => byId(checks.hostile!.atom.feedparser.entries, id);
  const jsonItem = (id: string): JsonItem => byId(jsonOf('hostile').items, id);
  const docItem = (id: string): FeedItem => byId(doc.items, id);

  it('a title with markup characters is text in every format, not markup', (ctx) => {
    expect(jsonItem(ids.markup).title).toBe(MARKUP_TITLE);
    expect(rendered.hostile!.atom).toContain('<title type="text">&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;</title>');
    requireTools(ctx, tools.feedparser);
    expect(rssEntry(ids.markup).title.text).toBe(MARKUP_TITLE);
    expect(atomEntry(ids.markup).title).toEqual({ value: MARKUP_TITLE, type: 'text/plain', text: MARKUP_TITLE });
    expect(rssEntry(ids.entities).title.text).toBe('x &lt; y &amp; AT&T a < b');
    // Names and categories are text too (feedparser reads those as text in both formats).
    for (const entry of [rssEntry(ids.markup), atomEntry(ids.markup)]) {
      expect(entry.author).toBe('<i>Carol</i> & Co');
      expect(entry.tags).toEqual(['<c>', 'a&b']);
    }
  });

  it('controls and U+FFFE/U+FFFF are removed; lone surrogates become U+FFFD; astral characters survive', (ctx) => {
    expect(jsonItem(ids.controls).title).toBe('Controls in title');
    expect(jsonItem(ids.controls).content_html).toBe('<p>Controls in content</p>');
    expect(jsonItem(ids.controls).authors).toEqual([{ name: 'Ann' }]);
    expect(jsonItem(ids.surrogates).title).toBe('Lone \uFFFD high and \uFFFD low');
    expect(jsonItem(ids.surrogates).tags).toEqual(['t\uFFFD']);
    expect(jsonItem(ids.astral).title).toBe('Astral 𠀀𪚥 🎉👩‍💻');
    expect(jsonItem(ids.astral).tags).toEqual(['𪚥', '🎉']);
    expect(rendered.hostile!.json).toContain('𠀀𪚥 🎉👩‍💻'); // written as UTF-8, not escaped
    requireTools(ctx, tools.feedparser);
    for (const entry of [rssEntry(ids.surrogates), atomEntry(ids.surrogates)]) {
      expect(entry.title.text).toBe('Lone \uFFFD high and \uFFFD low');
      expect(entry.author).toBe('Bob \uFFFD');
    }
    for (const entry of [rssEntry(ids.astral), atomEntry(ids.astral)]) {
      expect(entry.title.text).toBe('Astral 𠀀𪚥 🎉👩‍💻');
      expect(entry.author).toBe('张三 𠀀');
      expect(entry.tags).toEqual(['𪚥', '🎉']);
    }
  });

  it('`]]>` in titles and content round-trips', (ctx) => {
    expect(jsonItem(ids.cdata).title).toBe('Ends ]]> and again ]]> twice');
    expect(jsonItem(ids.cdata).content_html).toBe(docItem(ids.cdata).contentHtml);
    requireTools(ctx, tools.feedparser);
    const rss = rssEntry(ids.cdata);
    expect(rss.title.text).toBe('Ends ]]> and again ]]> twice');
    // RSS: the summary is the description, the content content:encoded; `]]>` is `]]&gt;` there,
    // the same HTML.
    expect(rss.summary.text).toBe('Summary ]]> with ]]> two');
    expect(rss.content.map((c) => c.text)).toEqual([expect.stringContaining('CDATA end ]]> here, and ]]> there')]);
    const atom = atomEntry(ids.cdata);
    expect(atom.title.text).toBe('Ends ]]> and again ]]> twice');
    expect(atom.content.map((c) => c.text)).toEqual([expect.stringContaining('CDATA end ]]> here, and ]]> there')]);
  });

  it('a relative or non-http link never breaks the feed: the item links to its permalink, bad enclosures, images and sources are left out', (ctx) => {
    const i = docItem(ids.relative);
    const json = jsonItem(ids.relative);
    expect(json.url).toBe(i.permalink);
    expect(json).not.toHaveProperty('image');
    expect(json).not.toHaveProperty('attachments');
    expect(json._feedrelay.sources).toEqual([{ title: 'Fine', feed_url: 'https://b.example.com/rss', home_page_url: null }]);
    requireTools(ctx, tools.feedparser);
    for (const entry of [rssEntry(ids.relative), atomEntry(ids.relative)]) {
      expect(entry.link).toBe(i.permalink);
      expect(entry.enclosures).toEqual([]);
    }
    expect(rssEntry(ids.relative).source).toMatchObject({ title: 'Fine', href: 'https://b.example.com/rss' });
    expect(atomEntry(ids.relative).source).toMatchObject({ title: 'Fine', id: 'https://b.example.com/rss' });
  });

  it('an IRI link is written as an ASCII URI', () => {
    expect(jsonItem(ids.iri).url).toBe(
      'https://xn--fsqu00a.example/%E6%96%B0%E9%97%BB/%E7%A7%91%E6%8A%80%201.html?q=%E4%B8%AD%E6%96%87%7Cx&p=100%25#%E6%AE%B5',
    );
  });

  it("enclosures keep the upstream's media type; RSS puts the ones after the first in atom:link", (ctx) => {
    expect(jsonItem(ids.enclosures).attachments).toEqual([
      { url: 'https://media.example.com/ep1.mp3', mime_type: 'audio/mpeg', size_in_bytes: 12345678 },
      { url: 'https://media.example.com/ep1.mp4', mime_type: 'video/mp4; codecs="avc1.42E01E"' },
      { url: 'https://media.example.com/ep1.bin', mime_type: 'application/octet-stream' },
      { url: 'https://media.example.com/ep1.ogg', mime_type: 'application/octet-stream', size_in_bytes: 7 },
    ]);
    requireTools(ctx, tools.feedparser);
    const rss = rssEntry(ids.enclosures);
    expect(rss.enclosures[0]).toEqual({ href: 'https://media.example.com/ep1.mp3', type: 'audio/mpeg', length: '12345678' });
    expect(rss.enclosures.map((e) => e.href)).toEqual([
      'https://media.example.com/ep1.mp3',
      'https://media.example.com/ep1.mp4',
      'https://media.example.com/ep1.bin',
      'https://media.example.com/ep1.ogg',
    ]);
    const atom = atomEntry(ids.enclosures);
    expect(atom.enclosures[0]).toEqual({ href: 'https://media.example.com/ep1.mp3', type: 'audio/mpeg', length: '12345678' });
    expect(atom.enclosures).toHaveLength(4);
    // The type as the upstream gave it (feedparser lower-cases parameters, so look at the XML).
    expect(rendered.hostile!.atom).toContain(
      '<link rel="enclosure" href="https://media.example.com/ep1.mp4" type="video/mp4; codecs=&quot;avc1.42E01E&quot;"/>',
    );
  });

  it('categories: blank ones dropped, duplicates once; Atom categories have a term', (ctx) => {
    const expected = ['科技', 'space exploration', 'R&D'];
    expect(jsonItem(ids.categories).tags).toEqual(expected);
    expect(rendered.hostile!.atom).toContain('<category term="R&amp;D"/>');
    expect(rendered.hostile!.atom).not.toMatch(/<category(?![^>]*\bterm=")/);
    requireTools(ctx, tools.feedparser);
    expect(rssEntry(ids.categories).tags).toEqual(expected);
    expect(atomEntry(ids.categories).tags).toEqual(expected);
  });

  it('an item from several upstreams lists every source in every format', (ctx) => {
    const sources = docItem(ids.sources).sources;
    expect(jsonItem(ids.sources)._feedrelay.sources).toEqual(
      sources.map((s) => ({ title: s.title, feed_url: s.feedUrl, home_page_url: s.siteUrl })),
    );
    requireTools(ctx, tools.feedparser);
    const via = (e: ParsedEntry) => e.links.filter((l) => l.rel === 'via').map((l) => l.href);
    // RSS: <source url> names the first; atom:link rel="via" lists them all.
    expect(rssEntry(ids.sources).source).toMatchObject({ title: 'Upstream A', href: 'https://a.example.com/feed.xml' });
    expect(via(rssEntry(ids.sources))).toEqual(sources.map((s) => s.feedUrl));
    // Atom: <source> is the first upstream feed; rel="via" lists them all.
    expect(atomEntry(ids.sources).source).toMatchObject({ title: 'Upstream A', id: 'https://a.example.com/feed.xml' });
    expect(atomEntry(ids.sources).source!.links).toEqual(
      expect.arrayContaining([expect.objectContaining({ rel: 'self', href: 'https://a.example.com/feed.xml' })]),
    );
    expect(via(atomEntry(ids.sources))).toEqual(sources.map((s) => s.feedUrl));
  });

  it('a year-9999 date is written as one', (ctx) => {
    expect(jsonItem(ids.year9999).date_published).toBe('9999-12-31T23:59:59.000Z');
    expect(rendered.hostile!.rss).toContain('<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>');
    requireTools(ctx, tools.feedparser);
    expect(rssEntry(ids.year9999).published_parsed).toEqual([9999, 12, 31, 23, 59, 59]);
    expect(atomEntry(ids.year9999).published_parsed).toEqual([9999, 12, 31, 23, 59, 59]);
  });

  it('an invalid date falls back to the item’s other date instead of breaking the feed', () => {
    const json = jsonItem(ids.invalidDate);
    expect(json.date_published).toBe(docItem(ids.invalidDate).updated.toISOString());
  });

  it('an item without author or content: Atom names the upstream (or us), RSS has no creator, JSON empty text', (ctx) => {
    const json = jsonItem(ids.bare);
    expect(json).not.toHaveProperty('authors');
    expect(json).not.toHaveProperty('content_html');
    expect(json.content_text).toBe('');
    expect(json._feedrelay.sources).toEqual([]);
    requireTools(ctx, tools.feedparser);
    expect(rssEntry(ids.bare).author).toBeNull();
    expect(rssEntry(ids.bare).summary.value).toBeNull();
    expect(atomEntry(ids.bare).author).toBe('feedrelay');
    // Entries with an upstream but no author name the upstream.
    expect(atomEntry(ids.year9999).author).toBe('Reporter 10');
  });

  it('summary and content: RSS description + content:encoded, Atom summary + content, JSON plain-text summary', (ctx) => {
    const json = jsonItem(ids.summaryAndContent);
    expect(json.summary).toBe('A short summary & more.');
    expect(json.content_html).toBe('<p>The whole story.</p><p>Second paragraph.</p>');
    requireTools(ctx, tools.feedparser);
    for (const entry of [rssEntry(ids.summaryAndContent), atomEntry(ids.summaryAndContent)]) {
      expect(entry.summary.text).toBe('A short summary & more.');
      expect(entry.content.map((c) => c.value)).toEqual(['<p>The whole story.</p><p>Second paragraph.</p>']);
    }
  });
});

describe('empty feed', () => {
  it('has no items and its date is the epoch, not now', (ctx) => {
    const r = rendered.empty!;
    expect(jsonOf('empty').items).toEqual([]);
    expect(r.rss).toContain('<lastBuildDate>Thu, 01 Jan 1970 00:00:00 GMT</lastBuildDate>');
    expect(r.atom).toContain('<updated>1970-01-01T00:00:00.000Z</updated>');
    expect(r.atom).not.toContain('<subtitle');
    requireTools(ctx, tools.feedparser);
    expect(checks.empty!.rss.feedparser.entries).toEqual([]);
    expect(checks.empty!.atom.feedparser.entries).toEqual([]);
  });
});
