// RSS 0.9x, 2.0 and RSS 1.0/0.90 (RDF) items and channel metadata, from xml2js nodes. The two
// families share their element names; RDF items carry their identity in rdf:about.
import { alternateLink, atomLinks, textConstruct } from './atom.ts';
import { innerBase } from './base.ts';
import { enclosure, imageOf, mediaDescription, mediaEnclosures, mediaTitle, uniqueEnclosures } from './media.ts';
import type { RawEntry, RawFeed } from './raw-feed.ts';
import { attr, child, childText, children, text, type XmlElement } from './xml-node.ts';

// RSS 2.0 wants an e-mail address in <author>; people write "jo@example.org (Jo Smith)".
function personName(value: string | null): string | null {
  if (value === null) return null;
  const withName = /^\S+@\S+\s*\((.+)\)$/.exec(value) ?? /^(.+?)\s*<\S+@\S+>$/.exec(value);
  return withName ? withName[1]!.trim() : value;
}

function joined(values: (string | null)[]): string | null {
  const present = [...new Set(values.filter((v): v is string => v !== null))];
  return present.length > 0 ? present.join(', ') : null;
}

/** The first `<link>`'s text; generators that write Atom-style `<link href>` in RSS, then atom:link. */
function itemLink(node: XmlElement): string | null {
  return (
    childText(node, 'link') ??
    children(node, 'link').map((l) => attr(l, 'href')).find((h) => h !== null) ??
    alternateLink(atomLinks(node, 'atom:link'))
  );
}

function entryOf(item: XmlElement, channelBase: string | null, documentUrl: string | null): RawEntry {
  const enclosures = uniqueEnclosures([
    ...children(item, 'enclosure').map((e) => enclosure(attr(e, 'url'), attr(e, 'type'), attr(e, 'length'))),
    ...mediaEnclosures(item),
  ]);
  return {
    guid: childText(item, 'guid') ?? attr(item, 'rdf:about') ?? childText(item, 'dc:identifier'),
    link: itemLink(item),
    title: childText(item, 'title', 'dc:title') ?? mediaTitle(item),
    contentHtml: childText(item, 'content:encoded', 'xhtml:body') ?? textConstruct(child(item, 'atom:content'), 'body'),
    summary: childText(item, 'description', 'itunes:summary') ?? mediaDescription(item),
    author:
      joined(children(item, 'dc:creator').map(text)) ??
      personName(childText(item, 'author')) ??
      childText(child(item, 'author'), 'name') ?? // Atom-style <author><name> in RSS
      childText(item, 'itunes:author'),
    categories: [...new Set([...children(item, 'category'), ...children(item, 'dc:subject')].map(text).filter((c): c is string => c !== null))],
    published: childText(item, 'pubDate', 'pubdate', 'dc:date', 'atom:published', 'published', 'dcterms:issued', 'dcterms:created'),
    updated: childText(item, 'atom:updated', 'dcterms:modified', 'updated'),
    enclosures,
    image: imageOf(item, enclosures),
    base: innerBase(attr(item, 'xml:base'), channelBase, documentUrl),
  };
}

// <ttl> is minutes (RSS 2.0). Zero, negative or non-numbers say nothing.
function ttlMinutes(channel: XmlElement): number | null {
  const value = childText(channel, 'ttl');
  if (value === null || !/^\d+$/.test(value)) return null;
  const minutes = Number(value);
  return minutes > 0 && Number.isSafeInteger(minutes) ? minutes : null;
}

// <skipHours><hour>0–23</hour>…: GMT hours. Some generators write 24 for midnight.
function skipHours(channel: XmlElement): number[] {
  const hours = children(child(channel, 'skipHours'), 'hour')
    .map(text)
    .filter((h): h is string => h !== null && /^\d{1,2}$/.test(h))
    .map((h) => Number(h) % 24);
  return [...new Set(hours)].sort((a, b) => a - b);
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function skipDays(channel: XmlElement): string[] {
  const days = children(child(channel, 'skipDays'), 'day')
    .map((d) => text(d)?.toLowerCase())
    .map((d) => DAYS.find((day) => day.toLowerCase() === d))
    .filter((d): d is string => d !== undefined);
  return [...new Set(days)];
}

/** `format`: in RSS 1.0 (RDF) items are the channel's siblings, so they inherit the root's base. */
export function rssFeed(
  format: 'rss' | 'rdf',
  channel: XmlElement,
  items: XmlElement[],
  root: { attrs: Record<string, string> },
  documentUrl: string | null,
): Omit<RawFeed, 'format'> {
  const rootBase = innerBase(root.attrs['xml:base'] ?? null, null, documentUrl);
  const base = innerBase(attr(channel, 'xml:base'), rootBase, documentUrl);
  return {
    title: childText(channel, 'title', 'dc:title'),
    link: itemLink(channel),
    description: childText(channel, 'description', 'dc:description', 'itunes:subtitle'),
    language: childText(channel, 'language', 'dc:language') ?? attr(channel, 'xml:lang') ?? root.attrs['xml:lang'] ?? null,
    base,
    ttlMinutes: ttlMinutes(channel),
    skipHours: skipHours(channel),
    skipDays: skipDays(channel),
    entries: items.map((item) => entryOf(item, format === 'rdf' ? rootBase : base, documentUrl)),
  };
}
