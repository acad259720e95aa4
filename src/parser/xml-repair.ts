// One linear, iterative pass that turns whatever an upstream sent into XML a strict parser accepts,
// before rss-parser (xml2js → sax) sees it. Like libxml2's recover mode, it keeps what can be read:
//   - the DOCTYPE, with any internal subset, is dropped: declared entities are never expanded
//     (no XXE, no billion laughs, no quadratic blow-up); comments and processing instructions go too;
//   - entity references are made acceptable (see xml-entities.ts); a stray `<` becomes `&lt;`;
//   - attributes are re-quoted; valueless or duplicate ones are mended or dropped;
//   - an end tag closes the elements left open inside it; a stray end tag is dropped; whatever is
//     still open at the end is closed; anything after the root element is ignored (trailing
//     scripts, a second document);
//   - namespace prefixes are rewritten to their conventional spelling (xml-names.ts);
//   - markup inside text containers (`description`, `content:encoded`, Atom `content`/`summary`/
//     `title` of type xhtml …) becomes one CDATA string of HTML. xml2js cannot keep the order of
//     mixed content (`Hello <b>world</b> !` comes back as "Hello  !" plus a `b` child), so the
//     adapters could never rebuild it faithfully; as a string it arrives intact;
//   - more than MAX_DEPTH nested elements outside those containers is refused: real feeds nest a
//     handful deep, and a hostile document should cost a bounded error, not a stack overflow.
import { decodeXML } from 'entities';
import { ParseError } from './raw-feed.ts';
import { escapeMarkup } from './text.ts';
import { fixText } from './xml-entities.ts';
import { ROOT_BINDINGS, conventionalName, isAtomNamespace, withDeclarations, type Bindings } from './xml-names.ts';
import { IS_NAME, NAME_AT, endOfDeclaration, skipSpace } from './xml-scan.ts';

export const MAX_DEPTH = 512;

export interface RepairedXml {
  xml: string;
  /** The root element, names in conventional spelling, attribute values decoded. */
  root: { name: string; attrs: Record<string, string> } | null;
}

/** Elements whose content is text or HTML, never feed structure. */
const TEXT_CONTAINERS = new Set([
  'content', 'summary', 'title', 'subtitle', 'rights', 'tagline', 'info', 'description',
  'content:encoded', 'xhtml:body', 'atom:content', 'atom:summary', 'atom:title',
]);

// HTML elements that never have an end tag: `<br>` inside a description must not swallow the rest.
const VOID_HTML = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

const XHTML = 'http://www.w3.org/1999/xhtml';
const UNQUOTED_VALUE = /[^\s>]+/y;
const ATTRIBUTE_NAME = /[^\s=/>"'<]+/y;

interface Frame {
  raw: string;
  out: string;
  bindings: Bindings;
  /** For a text container: index in the output where its content starts. */
  contentAt: number;
  hasChildren: boolean;
  /** For a text container: output indexes of its CDATA sections, escaped if it turns out to have markup. */
  cdataAt: number[];
}

interface StartTag {
  name: string;
  attrs: [string, string][];
  selfClosing: boolean;
  next: number;
}

function parseStartTag(text: string, at: number): StartTag | null {
  NAME_AT.lastIndex = at + 1;
  const name = NAME_AT.exec(text)?.[0];
  if (name === undefined) return null;
  const attrs: [string, string][] = [];
  let i = NAME_AT.lastIndex;
  for (;;) {
    i = skipSpace(text, i);
    if (i >= text.length) return { name, attrs, selfClosing: false, next: text.length };
    const c = text[i];
    if (c === '>') return { name, attrs, selfClosing: false, next: i + 1 };
    if (c === '/' && text[i + 1] === '>') return { name, attrs, selfClosing: true, next: i + 2 };
    if (c === '<') return { name, attrs, selfClosing: false, next: i }; // unterminated tag
    ATTRIBUTE_NAME.lastIndex = i;
    const attr = ATTRIBUTE_NAME.exec(text)?.[0];
    if (attr === undefined) {
      i++; // a stray quote, `=` or `/`
      continue;
    }
    i = skipSpace(text, ATTRIBUTE_NAME.lastIndex);
    let value = attr; // HTML-style boolean attribute
    if (text[i] === '=') {
      i = skipSpace(text, i + 1);
      const quote = text[i];
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, i + 1);
        const end = close === -1 ? text.length : close;
        value = text.slice(i + 1, end);
        i = end + 1;
      } else {
        UNQUOTED_VALUE.lastIndex = i;
        value = UNQUOTED_VALUE.exec(text)?.[0] ?? '';
        i += value.length;
      }
    }
    attrs.push([attr, value]);
  }
}

function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

class Repair {
  private readonly out: string[] = [];
  private readonly stack: Frame[] = [];
  private readonly open = new Map<string, number>();
  private container: Frame | null = null;
  private atomIsOwn = false;
  root: RepairedXml['root'] = null;
  done = false;

  constructor(private readonly text: string) {}

  run(): string {
    const { text } = this;
    let i = 0;
    while (i < text.length && !this.done) {
      const lt = text.indexOf('<', i);
      const end = lt === -1 ? text.length : lt;
      if (end > i && this.stack.length > 0) this.out.push(fixText(text.slice(i, end)));
      if (lt === -1) break;
      i = this.markup(lt);
    }
    while (this.stack.length > 0) this.pop();
    return this.out.join('');
  }

  private markup(at: number): number {
    const { text } = this;
    if (text.startsWith('<!--', at)) {
      const close = text.indexOf('-->', at + 4);
      return close === -1 ? text.length : close + 3;
    }
    if (text.startsWith('<![CDATA[', at)) {
      const close = text.indexOf(']]>', at + 9);
      const end = close === -1 ? text.length : close;
      if (this.stack.length > 0) {
        this.container?.cdataAt.push(this.out.length);
        this.out.push(`<![CDATA[${text.slice(at + 9, end)}]]>`);
      }
      return close === -1 ? text.length : close + 3;
    }
    if (text.startsWith('<!', at)) return endOfDeclaration(text, at);
    if (text.startsWith('<?', at)) {
      const close = text.indexOf('?>', at + 2);
      return close === -1 ? text.length : close + 2;
    }
    if (text[at + 1] === '/') {
      NAME_AT.lastIndex = at + 2;
      const name = NAME_AT.exec(text)?.[0];
      const close = name === undefined ? -1 : text.indexOf('>', NAME_AT.lastIndex);
      if (name === undefined || close === -1) return this.literalLessThan(at);
      this.close(name);
      return close + 1;
    }
    const tag = parseStartTag(text, at);
    if (!tag) return this.literalLessThan(at);
    this.start(tag);
    return tag.next;
  }

  private literalLessThan(at: number): number {
    if (this.stack.length > 0) this.out.push('&lt;');
    return at + 1;
  }

  private start(tag: StartTag): void {
    const parent = this.stack.at(-1);
    const bindings = withDeclarations(parent?.bindings ?? ROOT_BINDINGS, tag.attrs);
    if (!parent && this.root === null) {
      const colon = tag.name.indexOf(':');
      const uri = bindings[colon === -1 ? '' : tag.name.slice(0, colon)];
      this.atomIsOwn = isAtomNamespace(uri) || (uri === undefined && tag.name === 'feed');
    }
    const inContainer = this.container !== null;
    let name = inContainer ? this.htmlName(tag.name, bindings) : conventionalName(tag.name, bindings, this.atomIsOwn);
    let selfClosing = tag.selfClosing;
    if (inContainer) {
      this.container!.hasChildren = true;
      if (VOID_HTML.has(name.toLowerCase())) selfClosing = true;
    } else if (this.stack.length >= MAX_DEPTH) {
      throw new ParseError(`parser: the document nests elements more than ${MAX_DEPTH} deep; refusing it as broken or hostile`);
    }
    const attrs = this.attributes(tag.attrs, bindings, inContainer);
    const rendered = attrs.map(([n, v]) => ` ${n}="${v}"`).join('');
    if (this.root === null) {
      this.root = { name, attrs: Object.fromEntries(attrs.map(([n, v]) => [n, decodeXML(v)])) };
    }
    this.out.push(`<${name}${rendered}${selfClosing ? '/>' : '>'}`);
    if (selfClosing) {
      if (this.stack.length === 0) this.done = true;
      return;
    }
    const frame: Frame = { raw: tag.name, out: name, bindings, contentAt: -1, hasChildren: false, cdataAt: [] };
    const type = attrs.find(([n]) => n === 'type')?.[1] ?? '';
    if (!inContainer && TEXT_CONTAINERS.has(name) && !/^multipart\//i.test(type)) {
      frame.contentAt = this.out.length;
      this.container = frame;
    }
    this.stack.push(frame);
    this.open.set(tag.name, (this.open.get(tag.name) ?? 0) + 1);
  }

  // Inside HTML content the XHTML namespace is implied: `<xhtml:p>` is `<p>`.
  private htmlName(qname: string, bindings: Bindings): string {
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    return bindings[prefix] === XHTML ? qname.slice(colon + 1) : qname;
  }

  private attributes(raw: [string, string][], bindings: Bindings, inContainer: boolean): [string, string][] {
    const seen = new Set<string>();
    const out: [string, string][] = [];
    for (const [rawName, rawValue] of raw) {
      if (!IS_NAME.test(rawName)) continue;
      if (inContainer && (rawName === 'xmlns' || rawName.startsWith('xmlns:'))) continue;
      const name = inContainer ? rawName : conventionalName(rawName, bindings, this.atomIsOwn, true);
      if (seen.has(name)) continue;
      seen.add(name);
      out.push([name, fixText(rawValue).replaceAll('"', '&quot;').replaceAll('>', '&gt;')]);
    }
    return out;
  }

  private close(raw: string): void {
    if (!this.open.get(raw)) return; // a stray end tag
    while (this.stack.length > 0) {
      if (this.pop().raw === raw) return;
    }
  }

  private pop(): Frame {
    const frame = this.stack.pop()!;
    this.open.set(frame.raw, this.open.get(frame.raw)! - 1);
    if (frame === this.container) {
      if (frame.hasChildren) {
        // Markup and CDATA mixed: the CDATA sections become escaped text inside the one string.
        for (const at of frame.cdataAt) this.out[at] = escapeMarkup(this.out[at]!.slice(9, -3));
        this.out.push(cdata(this.out.splice(frame.contentAt).join('')));
      }
      this.container = null;
    }
    this.out.push(`</${frame.out}>`);
    if (this.stack.length === 0) this.done = true;
    return frame;
  }
}

export function repairXml(text: string): RepairedXml {
  const repair = new Repair(text);
  const xml = repair.run();
  return { xml, root: repair.root };
}
