// Attachments and pictures, common to RSS, RDF and Atom entries: Media RSS (media:content,
// media:thumbnail, possibly inside media:group), iTunes (itunes:image) and plain enclosures.
import type { RawEnclosure } from './raw-feed.ts';
import { escapeMarkup, textToHtml } from './text.ts';
import { attr, child, children, text, type XmlNode } from './xml-node.ts';

function size(value: string | null): number | null {
  if (value === null) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function enclosure(url: string | null, type: string | null, length: string | null): RawEnclosure | null {
  return url === null ? null : { url, type, length: size(length) };
}

// Media RSS allows media:content directly in the item and in any number of media:group elements.
function mediaContents(node: XmlNode): XmlNode[] {
  return [...children(node, 'media:content'), ...children(node, 'media:group').flatMap((g) => children(g, 'media:content'))];
}

function isImage(content: XmlNode): boolean {
  return attr(content, 'medium')?.toLowerCase() === 'image' || (attr(content, 'type')?.toLowerCase().startsWith('image/') ?? false);
}

export function mediaEnclosures(node: XmlNode): RawEnclosure[] {
  return mediaContents(node)
    .map((c) => enclosure(attr(c, 'url'), attr(c, 'type'), attr(c, 'fileSize') ?? attr(c, 'filesize')))
    .filter((e): e is RawEnclosure => e !== null);
}

function thumbnail(node: XmlNode | null): string | null {
  return node === null ? null : (children(node, 'media:thumbnail').map((t) => attr(t, 'url')).find((u) => u !== null) ?? null);
}

/** The entry's picture: media:thumbnail, an image media:content, itunes:image, an image enclosure. */
export function imageOf(node: XmlNode, enclosures: RawEnclosure[]): string | null {
  const groups = children(node, 'media:group');
  const contents = mediaContents(node);
  const itunes = child(node, 'itunes:image');
  return (
    thumbnail(node) ??
    groups.map(thumbnail).find((u) => u !== null) ??
    contents.map(thumbnail).find((u) => u !== null) ??
    contents.filter(isImage).map((c) => attr(c, 'url')).find((u) => u !== null) ??
    attr(itunes, 'href') ??
    text(itunes) ??
    enclosures.find((e) => e.type?.toLowerCase().startsWith('image/'))?.url ??
    null
  );
}

// Media RSS text: type="html" is HTML, anything else ("plain", the default) is text.
function mediaText(node: XmlNode, name: string, as: 'title' | 'body'): string | null {
  const element = child(node, name) ?? children(node, 'media:group').map((g) => child(g, name)).find((d) => d !== null) ?? null;
  const value = text(element);
  if (value === null) return null;
  if (attr(element, 'type')?.toLowerCase() === 'html') return value;
  return as === 'title' ? escapeMarkup(value) : textToHtml(value);
}

/** media:description as HTML: the only text YouTube-style feeds carry for an entry. */
export function mediaDescription(node: XmlNode): string | null {
  return mediaText(node, 'media:description', 'body');
}

/** media:title as HTML, for entries without a title of their own. */
export function mediaTitle(node: XmlNode): string | null {
  return mediaText(node, 'media:title', 'title');
}

/** One enclosure per URL, first mention wins (RSS enclosure and media:content often repeat). */
export function uniqueEnclosures(list: (RawEnclosure | null)[]): RawEnclosure[] {
  const seen = new Set<string>();
  const out: RawEnclosure[] = [];
  for (const e of list) {
    if (e === null || seen.has(e.url)) continue;
    seen.add(e.url);
    out.push(e);
  }
  return out;
}
