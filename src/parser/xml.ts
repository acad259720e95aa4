// RSS 0.9x/1.0/2.0 and Atom 0.3/1.0: repaired text (xml-repair.ts) → rss-parser's parseString
// (never parseURL: no byte cap, no real timeout, redirects anywhere) → our adapters.
//
// rss-parser recognizes the format and walks channel/items through xml2js; its own field mapping
// is not used, because it loses what we need (xml:base, link rel/type, Atom categories, Media RSS)
// and throws on real-world input, losing the whole feed: `new Date(x).toISOString()` on an invalid
// Atom <published>/<updated> (RangeError) and `link.$.rel` on an Atom <link> without attributes
// (TypeError). Those elements reach it renamed (xml-node.ts HIDDEN_NAMES) and every child element
// an adapter reads is captured raw through customFields with keepArray.
import Parser from 'rss-parser';
import { atomFeed } from './atom.ts';
import { ParseError, type RawFeed } from './raw-feed.ts';
import { rssFeed } from './rss.ts';
import { capturedElement, capturedKey, hideName, type XmlElement } from './xml-node.ts';
import { repairXml } from './xml-repair.ts';

// Every child name the adapters read ('$' is the attributes).
const ITEM_CHILDREN = [
  '$', 'title', 'dc:title', 'link', 'atom:link', 'guid', 'id', 'dc:identifier',
  'description', 'summary', 'content', 'content:encoded', 'xhtml:body', 'atom:content', 'itunes:summary',
  'author', 'dc:creator', 'itunes:author', 'source', 'category', 'dc:subject',
  'pubDate', 'pubdate', 'dc:date', 'published', 'issued', 'created', 'updated', 'modified',
  'atom:published', 'atom:updated', 'dcterms:issued', 'dcterms:created', 'dcterms:modified',
  'enclosure', 'media:content', 'media:group', 'media:thumbnail', 'media:description', 'media:title', 'itunes:image',
] as const;

const FEED_CHILDREN = [
  '$', 'title', 'dc:title', 'link', 'atom:link', 'description', 'dc:description', 'itunes:subtitle',
  'subtitle', 'tagline', 'language', 'dc:language', 'ttl', 'skipHours', 'skipDays', 'author',
] as const;

const FORMATS: Record<string, 'rss' | 'atom' | 'rdf'> = { rss: 'rss', feed: 'atom', 'rdf:RDF': 'rdf' };

type Field = [string, string, { keepArray: boolean }];
const capture = (name: string): Field => [name === '$' ? '$' : hideName(name), capturedKey(name), { keepArray: true }];

function createParser(): Parser<Record<string, unknown>, Record<string, unknown>> {
  // A parser per document: xml2js parsers carry state, and one that failed mid-way stays broken.
  return new Parser({
    defaultRSS: 2, // <rss> without a version attribute is read as 2.0
    xml2js: { tagNameProcessors: [hideName], validator: structure },
    customFields: {
      // rss-parser's typings allow [from, to, options] for items only; its code reads feeds alike.
      feed: FEED_CHILDREN.map(capture) as unknown as string[],
      item: ITEM_CHILDREN.map(capture),
    },
  });
}

const STRUCTURE = new Set(['rss', 'channel', 'item', 'feed', 'entry', 'rdf:RDF']);

function textElement(text: string): XmlElement {
  const element: XmlElement = Object.create(null);
  if (text !== '') element._ = text;
  return element;
}

// An xml2js validator (its hook to reshape each node as it closes). xml2js gives an element with
// only text, or nothing (`<entry/>`), as a string, and rss-parser then reads `entry.link` —
// String.prototype.link, a function — and throws, losing the feed: structural elements become
// objects here. rss-parser also needs a <channel>; old and minimal feeds put <item>s straight into
// <rss> (or have no channel in RDF), so one is made to hold them; items left outside an existing
// channel join it.
function structure(xpath: string, _previous: unknown, node: unknown): unknown {
  const name = xpath.slice(xpath.lastIndexOf('/') + 1);
  if (!STRUCTURE.has(name)) return node;
  const element = typeof node === 'string' ? textElement(node) : (node as XmlElement);
  if (xpath === '/rss' && Array.isArray(element.channel) && Array.isArray(element.item)) {
    const channel = element.channel[0] as XmlElement;
    channel.item = [...(Array.isArray(channel.item) ? channel.item : []), ...element.item];
    delete element.item;
  }
  if ((xpath === '/rss' || xpath === '/rdf:RDF') && element.channel === undefined) {
    const channel: XmlElement = Object.create(null);
    const root: XmlElement = Object.create(null);
    for (const [key, value] of Object.entries(element)) {
      const target: Record<string, unknown> = key === '$' || (xpath === '/rdf:RDF' && key === 'item') ? root : channel;
      target[key] = value;
    }
    root.channel = [channel];
    return root;
  }
  return element;
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

export async function parseXmlFeed(text: string, baseUrl: string | null): Promise<RawFeed> {
  const { xml, root } = repairXml(text);
  if (root === null) throw new ParseError('parser: not a feed: the document has no XML element');
  const format = FORMATS[root.name];
  if (format === undefined) {
    throw new ParseError(`parser: not a feed: the XML root element is <${root.name}>, not <rss>, <feed> or <rdf:RDF>`);
  }
  let output: Record<string, unknown>;
  try {
    output = (await createParser().parseString(xml)) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new ParseError(`parser: the XML cannot be read even after repair: ${reason(error)}`);
  }
  const items = (output.items as Record<string, unknown>[]).map((item) => capturedElement(item, ITEM_CHILDREN));
  const channel = capturedElement(output, FEED_CHILDREN);
  const feed = format === 'atom' ? atomFeed(channel, items, baseUrl) : rssFeed(format, channel, items, root, baseUrl);
  return { format, ...feed };
}
