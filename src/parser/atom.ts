// Atom 1.0 (RFC 4287) and Atom 0.3 entries and feed metadata, from xml2js nodes.
import { innerBase } from './base.ts';
import { enclosure, imageOf, mediaDescription, mediaEnclosures, mediaTitle, uniqueEnclosures } from './media.ts';
import type { RawEntry, RawFeed } from './raw-feed.ts';
import { escapeMarkup, nonBlank, textToHtml } from './text.ts';
import { attr, child, childText, children, text, type XmlElement, type XmlNode } from './xml-node.ts';

export interface AtomLink {
  href: string;
  rel: string;
  type: string | null;
  length: string | null;
}

const IANA_RELATIONS = 'http://www.iana.org/assignments/relation/';

/** `<link>` elements as RFC 4287 reads them: no rel means "alternate". */
export function atomLinks(node: XmlNode, name = 'link'): AtomLink[] {
  return children(node, name).flatMap((link) => {
    // `<link>http://…</link>` is RSS habit, not Atom, but it says where the page is.
    const href = attr(link, 'href') ?? text(link);
    if (href === null) return [];
    let rel = attr(link, 'rel')?.toLowerCase() ?? 'alternate';
    if (rel.startsWith(IANA_RELATIONS)) rel = rel.slice(IANA_RELATIONS.length);
    return [{ href, rel, type: attr(link, 'type')?.toLowerCase() ?? null, length: attr(link, 'length') }];
  });
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/** The alternate link, preferring an HTML page over other representations. */
export function alternateLink(links: AtomLink[]): string | null {
  const alternates = links.filter((l) => l.rel === 'alternate');
  return (
    alternates.find((l) => l.type !== null && HTML_TYPES.has(l.type)) ??
    alternates.find((l) => l.type === null) ??
    alternates[0]
  )?.href ?? null;
}

function decodeBase64(value: string): string | null {
  try {
    const binary = atob(value.replace(/\s+/g, ''));
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/**
 * An Atom text construct as HTML. `html` is HTML already; `xhtml` arrives as a string of markup
 * (xml-repair.ts); `text` is escaped so that markup-looking text stays text. Titles become one
 * line of escaped text, bodies paragraphs. Out-of-line (`src`) and non-text media types are null.
 */
export function textConstruct(node: XmlNode | null, kind: 'title' | 'body'): string | null {
  if (node === null || attr(node, 'src') !== null) return null;
  const type = attr(node, 'type')?.toLowerCase() ?? 'text';
  const mode = attr(node, 'mode')?.toLowerCase(); // Atom 0.3
  let value = typeof node === 'string' ? node : (node._ ?? '');
  if (mode === 'base64') value = decodeBase64(value) ?? '';
  const trimmed = nonBlank(value);
  if (trimmed === null) return null;
  if (type === 'html' || type === 'xhtml' || HTML_TYPES.has(type) || /[/+]xml$/.test(type)) return trimmed;
  if (type === 'text' || type.startsWith('text/')) return kind === 'title' ? escapeMarkup(trimmed) : textToHtml(trimmed);
  return null;
}

function personNames(node: XmlNode | null, name: string): string | null {
  if (node === null) return null;
  const names = children(node, name)
    .map((person) => childText(person, 'name') ?? text(person) ?? childText(person, 'email'))
    .filter((n): n is string => n !== null);
  return names.length > 0 ? names.join(', ') : null;
}

function categories(entry: XmlNode): string[] {
  const terms = children(entry, 'category').map((c) => attr(c, 'label') ?? attr(c, 'term') ?? text(c));
  const subjects = children(entry, 'dc:subject').map(text);
  return [...new Set([...terms, ...subjects].filter((c): c is string => c !== null))];
}

interface FeedContext {
  base: string | null;
  documentUrl: string | null;
  author: string | null;
}

function entryOf(entry: XmlElement, feed: FeedContext): RawEntry {
  const links = atomLinks(entry);
  const enclosures = uniqueEnclosures([
    ...links.filter((l) => l.rel === 'enclosure').map((l) => enclosure(l.href, l.type, l.length)),
    ...mediaEnclosures(entry),
  ]);
  return {
    guid: childText(entry, 'id'),
    link: alternateLink(links),
    title: textConstruct(child(entry, 'title'), 'title') ?? mediaTitle(entry),
    contentHtml: textConstruct(child(entry, 'content'), 'body'),
    summary: textConstruct(child(entry, 'summary'), 'body') ?? mediaDescription(entry),
    // RFC 4287 §4.2.1: an entry without an author has its source's, else the feed's.
    author:
      personNames(entry, 'author') ??
      childText(entry, 'dc:creator') ??
      personNames(child(entry, 'source'), 'author') ??
      feed.author,
    categories: categories(entry),
    published: childText(entry, 'published', 'issued', 'created'),
    updated: childText(entry, 'updated', 'modified'),
    enclosures,
    image: imageOf(entry, enclosures),
    base: innerBase(attr(entry, 'xml:base'), feed.base, feed.documentUrl),
  };
}

export function atomFeed(feed: XmlElement, entries: XmlElement[], documentUrl: string | null): Omit<RawFeed, 'format'> {
  const base = innerBase(attr(feed, 'xml:base'), null, documentUrl);
  const context: FeedContext = { base, documentUrl, author: personNames(feed, 'author') };
  return {
    title: textConstruct(child(feed, 'title'), 'title'),
    link: alternateLink(atomLinks(feed)),
    description: textConstruct(child(feed, 'subtitle') ?? child(feed, 'tagline'), 'title'),
    language: attr(feed, 'xml:lang') ?? childText(feed, 'dc:language'),
    base,
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    entries: entries.map((e) => entryOf(e, context)),
  };
}

