// Reading xml2js nodes. With xml2js's defaults (which rss-parser uses) an element is a string when
// it has only text, otherwise an object: attributes under `$`, text under `_`, each child name
// mapping to an array of child nodes. Objects have no prototype (xml2js ≥ 0.5), so an element
// named `__proto__` or `constructor` is just a key.
import { nonBlank } from './text.ts';

export type XmlNode = string | XmlElement;
export interface XmlElement {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

// rss-parser's own mapping throws on some of these (see xml.ts), so xml2js hands them over
// under other names; every read goes through here and looks under both.
export const HIDDEN_NAMES: Record<string, string> = {
  link: 'feedrelay:link',
  published: 'feedrelay:published',
  updated: 'feedrelay:updated',
};

export function hideName(name: string): string {
  return HIDDEN_NAMES[name] ?? name;
}

function isElement(node: unknown): node is XmlElement {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/** Child nodes with this (conventional) name. */
export function children(node: unknown, name: string): XmlNode[] {
  if (!isElement(node)) return [];
  const value = node[hideName(name)];
  return Array.isArray(value) ? value.filter((v): v is XmlNode => typeof v === 'string' || isElement(v)) : [];
}

export function child(node: unknown, name: string): XmlNode | null {
  return children(node, name)[0] ?? null;
}

/** The element's own text (its character data, trimmed), or null when blank. */
export function text(node: unknown): string | null {
  if (typeof node === 'string') return nonBlank(node);
  if (isElement(node)) return nonBlank(node._);
  return null;
}

/** Text of the first child with this name that has any. */
export function childText(node: unknown, ...names: string[]): string | null {
  for (const name of names) {
    for (const c of children(node, name)) {
      const value = text(c);
      if (value !== null) return value;
    }
  }
  return null;
}

export function attr(node: unknown, name: string): string | null {
  if (!isElement(node) || !isElement(node.$)) return null;
  return nonBlank(node.$[name]);
}

/** Builds an element from rss-parser's output, whose custom fields carry the raw child arrays. */
export function capturedElement(output: Record<string, unknown>, names: readonly string[]): XmlElement {
  const element: XmlElement = Object.create(null);
  for (const name of names) {
    const value = output[capturedKey(name)];
    if (value !== undefined) element[name === '$' ? '$' : hideName(name)] = value;
  }
  return element;
}

export function capturedKey(name: string): string {
  return `raw:${name}`;
}
