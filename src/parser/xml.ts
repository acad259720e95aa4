// RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through rss-parser's parseString (never parseURL: it has no
// byte cap, no real timeout and follows redirects anywhere). The text is already decoded.
import Parser from 'rss-parser';
import { ParseError, type FeedFormat, type RawEntry, type RawFeed } from './raw-feed.ts';

type Item = Parser.Item & Record<string, unknown>;
type Output = Parser.Output<Item> & Record<string, unknown>;

const parser = new Parser<Record<string, unknown>, Record<string, unknown>>({
  customFields: {
    feed: ['language', 'ttl', 'skipHours', 'skipDays', 'updated'],
    item: ['updated', 'published', 'author', 'dc:creator', 'id', ['media:content', 'media:content', { keepArray: true }]],
  },
});

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (Array.isArray(value)) return text(value[0]);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('_' in obj) return text(obj._);
    if ('name' in obj) return text(obj.name);
  }
  return null;
}

function formatOf(xml: string): FeedFormat {
  const head = xml.slice(0, 4096).toLowerCase();
  if (/<rdf:rdf[\s>]/.test(head)) return 'rdf';
  if (/<feed[\s>]/.test(head)) return 'atom';
  return 'rss';
}

function entryOf(item: Item): RawEntry {
  const enclosure = item.enclosure;
  return {
    guid: text(item.guid) ?? text(item.id),
    link: text(item.link),
    title: text(item.title),
    contentHtml: text(item['content:encoded']) ?? text(item.content),
    summary: text(item.summary) ?? text(item.contentSnippet),
    author: text(item.creator) ?? text(item['dc:creator']) ?? text(item.author),
    categories: (item.categories ?? []).map((c) => text(c)).filter((c): c is string => c !== null),
    published: text(item.isoDate) ?? text(item.pubDate) ?? text(item.published),
    updated: text(item.updated),
    enclosures:
      enclosure && enclosure.url
        ? [{ url: enclosure.url, type: enclosure.type ?? null, length: Number(enclosure.length) || null }]
        : [],
    image: null,
    base: null,
  };
}

export async function parseXmlFeed(xml: string): Promise<RawFeed> {
  let output: Output;
  try {
    output = (await parser.parseString(xml)) as Output;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ParseError(`parser: invalid XML feed: ${reason}`);
  }
  const ttl = Number(text(output.ttl));
  return {
    format: formatOf(xml),
    title: text(output.title),
    link: text(output.link),
    description: text(output.description),
    language: text(output.language),
    base: null,
    ttlMinutes: Number.isFinite(ttl) && ttl > 0 ? ttl : null,
    skipHours: [],
    skipDays: [],
    entries: (output.items ?? []).map(entryOf),
  };
}
