// What "no executable markup" means for republished HTML, checked with htmlparser2 (the way a
// feed reader that parses before it displays would read it): no element that runs or loads code,
// no event handler attribute, no style attribute, no srcdoc, and every URL attribute, once
// entities are decoded and invisible characters dropped, is http(s) (mailto on links), iframes
// only to the allowed video players.
import { parseDocument } from 'htmlparser2';
import type { AnyNode, Element } from 'domhandler';
import { IFRAME_PLAYERS } from '../../../src/normalize/sanitize-policy.ts';

const FORBIDDEN = new Set([
  'script', 'style', 'object', 'embed', 'applet', 'base', 'form', 'meta', 'link', 'svg', 'math', 'frame',
  'frameset', 'template', 'noscript', 'xmp', 'listing', 'plaintext', 'noembed', 'noframes', 'textarea',
  'input', 'button', 'select', 'title', 'html', 'head', 'body', 'isindex', 'keygen', 'portal', 'param',
]);
const URL_ATTRIBUTES = new Set([
  'href', 'src', 'srcset', 'action', 'formaction', 'poster', 'data', 'background', 'cite', 'longdesc',
  'lowsrc', 'dynsrc', 'ping', 'manifest', 'codebase', 'xlink:href', 'xml:base', 'usemap', 'icon',
]);
const INVISIBLE = /[\u0000-\u0020\u007F-\u00A0\u00AD\u034F\u061C\u115F\u1160\u1680\u17B4\u17B5\u180B-\u180F\u2000-\u200F\u2028-\u202F\u205F-\u206F\u3000\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]/g;

/** The URLs of a srcset as HTML parses it (§4.8.4.3.10): a URL may hold commas; one ending in commas ends its candidate. */
function srcsetUrls(value: string): string[] {
  const urls: string[] = [];
  let position = 0;
  while (position < value.length) {
    while (position < value.length && /[\s,]/.test(value[position]!)) position++;
    let end = position;
    while (end < value.length && !/\s/.test(value[end]!)) end++;
    const url = value.slice(position, end);
    if (url === '') break;
    position = end;
    if (url.endsWith(',')) {
      urls.push(url.replace(/,+$/, ''));
      continue;
    }
    urls.push(url);
    const comma = value.indexOf(',', position);
    position = comma === -1 ? value.length : comma + 1;
  }
  return urls;
}

function urlProblem(tag: string, name: string, value: string): string | null {
  const candidates = name === 'srcset' ? srcsetUrls(value) : [value];
  for (const candidate of candidates) {
    const squeezed = candidate.replace(INVISIBLE, '').toLowerCase();
    if (squeezed === '') continue;
    const scheme = /^([a-z][a-z0-9+.-]*):/.exec(squeezed)?.[1];
    if (scheme === undefined) return `${tag} ${name} is not absolute: ${JSON.stringify(candidate)}`;
    if (scheme === 'http' || scheme === 'https') continue;
    if (scheme === 'mailto' && tag === 'a' && name === 'href') continue;
    return `${tag} ${name} has scheme ${scheme}: ${JSON.stringify(candidate)}`;
  }
  if (tag === 'iframe' && name === 'src') {
    try {
      const url = new URL(value);
      const path = IFRAME_PLAYERS[url.hostname];
      if (url.protocol !== 'https:' || path === undefined || !url.pathname.startsWith(path)) return `iframe src outside the players: ${value}`;
    } catch {
      return `iframe src unreadable: ${JSON.stringify(value)}`;
    }
  }
  return null;
}

/** Problems found in an HTML fragment; empty when nothing in it could run. */
export function executableMarkup(html: string): string[] {
  const problems: string[] = [];
  const visit = (node: AnyNode) => {
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const el = node as Element;
      const tag = el.name.toLowerCase();
      if (FORBIDDEN.has(tag) || tag.includes(':')) problems.push(`element <${tag}>`);
      for (const [rawName, value] of Object.entries(el.attribs)) {
        const name = rawName.toLowerCase();
        if (name.startsWith('on')) problems.push(`${tag} ${name}`);
        else if (name === 'style' || name === 'srcdoc' || name === 'is' || name === 'formaction') problems.push(`${tag} ${name}`);
        else if (URL_ATTRIBUTES.has(name)) {
          const problem = urlProblem(tag, name, value);
          if (problem) problems.push(problem);
        }
      }
      for (const child of el.children) visit(child);
    } else if (node.type === 'directive' || node.type === 'comment' || node.type === 'cdata') {
      problems.push(`${node.type} node`);
    } else if ('children' in node) {
      for (const child of (node as Element).children) visit(child);
    }
  };
  visit(parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true }));
  return problems;
}

/** Element names of an XML document (local names), for checking what a feed itself contains. */
export function xmlElementNames(xml: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: AnyNode) => {
    if (node.type === 'tag') {
      const el = node as Element;
      names.add(el.name.replace(/^.*:/, '').toLowerCase());
      for (const child of el.children) visit(child);
    } else if ('children' in node) {
      for (const child of (node as Element).children) visit(child);
    }
  };
  visit(parseDocument(xml, { xmlMode: true }));
  return names;
}

/** Texts of the elements with one of `names` (local names, any prefix) in an XML document. */
export function xmlTexts(xml: string, names: string[]): { name: string; text: string; elementChildren: number }[] {
  const wanted = new Set(names);
  const out: { name: string; text: string; elementChildren: number }[] = [];
  const textOf = (node: AnyNode): string => {
    if (node.type === 'text') return (node as unknown as { data: string }).data;
    if ('children' in node) return (node as unknown as { children: AnyNode[] }).children.map(textOf).join('');
    return '';
  };
  const visit = (node: AnyNode) => {
    if (node.type === 'tag') {
      const el = node as Element;
      const local = el.name.replace(/^.*:/, '');
      if (wanted.has(local)) {
        out.push({ name: el.name, text: el.children.map(textOf).join(''), elementChildren: el.children.filter((c) => c.type === 'tag').length });
      }
      for (const child of el.children) visit(child);
    } else if ('children' in node) {
      for (const child of (node as Element).children) visit(child);
    }
  };
  visit(parseDocument(xml, { xmlMode: true, decodeEntities: true }));
  return out;
}
