// The validators the renderer tests rely on really reject bad feeds (so a green run means
// something), and the tools CI must install are there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  atomSchemaErrors,
  checkXmlFeeds,
  errorsOf,
  IN_CI,
  jsonFeedErrors,
  loneSurrogateEscapes,
  relaxNg,
  requireTools,
  tools,
  warningsOf,
  xmlWellFormednessErrors,
} from './helpers/validators.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/render/${name}`, import.meta.url), 'utf8');
const rules = (events: { rule: string }[]) => [...new Set(events.map((e) => e.rule))].sort();

describe('validator tools', () => {
  it('are all installed under CI=true (else tests that need them are skipped, naming them)', () => {
    const missing = [...Object.values(tools), relaxNg].filter((t) => !t.available).map((t) => `${t.name}: ${t.install}`);
    if (IN_CI) expect(missing).toEqual([]);
    else if (missing.length > 0) console.warn(`render tests will skip what needs: ${missing.join('; ')}`);
  });
});

describe('xmllint well-formedness check', () => {
  it('accepts a well-formed document', (ctx) => {
    requireTools(ctx, tools.xmllint);
    expect(xmlWellFormednessErrors('<?xml version="1.0"?><a x="1">&amp; 𠀀</a>')).toEqual([]);
  });

  it.for([
    ['a control character', '<a>\u0001</a>'],
    ['U+FFFE', '<a>\uFFFE</a>'],
    ['an unbound namespace prefix', '<a><dc:creator>x</dc:creator></a>'],
    ['`]]>` in text', '<a>x ]]> y</a>'],
    ['a CDATA section ended early', '<a><![CDATA[ x ]]> y ]]></a>'],
  ] as const)('rejects %s', ([, xml], ctx) => {
    requireTools(ctx, tools.xmllint);
    expect(xmlWellFormednessErrors(xml)).not.toEqual([]);
  });
});

describe('Atom RELAX NG validation', () => {
  it(`reports a category without term, markup in a text title and an entry without id (${relaxNg.name})`, (ctx) => {
    requireTools(ctx, relaxNg, tools.schemas);
    const [errors] = atomSchemaErrors([fixture('bad-atom.xml')]);
    const text = errors!.join('\n');
    if (tools.jing.available) {
      expect(text).toMatch(/element "b" not allowed/);
      expect(text).toMatch(/missing required attribute "term"/);
      expect(text).toMatch(/missing required element "id"/);
    } else {
      // xmllint stops at the first problem of an element and says less.
      expect(text).toMatch(/title has extra content: b/);
      expect(text).toMatch(/category failed to validate/);
    }
  });

  it('validates several documents in one run and attributes errors to the right one', (ctx) => {
    requireTools(ctx, relaxNg, tools.schemas);
    const good =
      '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x:1</id><title>t</title><updated>2024-05-01T10:00:00Z</updated>' +
      '<author><name>a</name></author></feed>';
    const result = atomSchemaErrors([good, fixture('bad-atom.xml'), good]);
    expect(result[0]).toEqual([]);
    expect(result[1]!.length).toBeGreaterThan(0);
    expect(result[2]).toEqual([]);
  });
});

describe('JSON Feed schema validation (ajv)', () => {
  it('reports a 1.0 author, a relative URL, an item without content and an attachment without mime_type', (ctx) => {
    requireTools(ctx, tools.schemas);
    const text = jsonFeedErrors(fixture('bad-jsonfeed.json')).join('\n');
    expect(text).toMatch(/strict: \/version must be equal to constant/);
    expect(text).toMatch(/strict: \/ must NOT be valid/); // the 1.0 `author`
    expect(text).toMatch(/home_page_url.*format|must match format "uri"/);
    expect(text).toMatch(/\/items\/0 .*content_html|anyOf/);
    expect(text).toMatch(/mime_type/);
  });

  it('reports text that is not JSON', (ctx) => {
    requireTools(ctx, tools.schemas);
    expect(jsonFeedErrors('{"version": ')).toEqual([expect.stringMatching(/^not JSON/)]);
  });

  it('finds lone surrogate escapes but not escaped pairs', () => {
    expect(loneSurrogateEscapes('"\\ud800 \\udc00 \\ud83c\\udf89"')).toEqual(['\\ud800', '\\udc00']);
    expect(loneSurrogateEscapes(JSON.stringify('\uD800'))).toEqual(['\\ud800']);
    expect(loneSurrogateEscapes(JSON.stringify('🎉 𠀀'))).toEqual([]);
  });
});

describe('feedparser and the W3C Feed Validator rules (feed_check.py)', () => {
  it('report the errors of a known-bad RSS feed', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const [check] = checkXmlFeeds([{ xml: fixture('bad-rss.xml'), self: 'http://bad.example.com/feed.rss' }]);
    expect(check!.expat).toBeNull();
    expect(check!.feedparser.entries).toHaveLength(3);
    expect(rules(errorsOf(check!))).toEqual(
      [
        'DuplicateSelfLink', // two atom:link rel="self"
        'DuplicateValue', // guid "dup" twice
        'InvalidContact', // <author>Jane Doe</author>
        'InvalidFullLink', // <link>/relative</link>
        'InvalidMIMEAttribute', // enclosure type="mp3"
        'InvalidIntegerAttribute', // enclosure length="x"
        'InvalidPermalink', // urn:uuid guid without isPermaLink="false"
        'InvalidRFC2822Date', // ISO date in lastBuildDate
        'MissingAttribute', // enclosure without length, source without url
        'MissingDescription', // channel without description
        'UndefinedElement', // <bogus>
      ].sort(),
    );
    expect(rules(warningsOf(check!))).toContain('SelfDoesntMatchLocation');
  });

  it('report the errors of a known-bad Atom feed', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const [check] = checkXmlFeeds([{ xml: fixture('bad-atom.xml'), self: null }]);
    expect(rules(errorsOf(check!))).toEqual(['DuplicateAtomLink', 'MissingAttribute', 'MissingElement']);
  });

  it('report a document that is not XML, and feedparser sets bozo', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const [check] = checkXmlFeeds([{ xml: '<rss version="2.0"><channel><title>a & b</title></channel></rss>', self: null }]);
    expect(check!.expat).toMatch(/not well-formed/);
    expect(check!.feedparser.bozo).toBe(true);
  });

  it('show an RSS title the way a reader shows it (feedparser guesses HTML)', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const rss = (title: string) =>
      `<rss version="2.0"><channel><title>t</title><link>http://x.example.com/</link><description>d</description>` +
      `<item><title>${title}</title><guid isPermaLink="false">urn:x:1</guid></item></channel></rss>`;
    const [markup, escaped] = checkXmlFeeds([
      { xml: rss('&lt;b&gt;bold&lt;/b&gt;'), self: null },
      { xml: rss('&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;'), self: null },
    ]);
    // Singly escaped markup is read as HTML: a reader shows "bold" in bold, not the text.
    expect(markup!.feedparser.entries[0]!.title.text).toBe('bold');
    expect(escaped!.feedparser.entries[0]!.title.text).toBe('<b>bold</b>');
  });
});
