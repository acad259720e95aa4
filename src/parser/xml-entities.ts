// Entity references as a strict XML parser (sax, under xml2js, under rss-parser) will accept them.
//
// Real feeds use HTML named entities (`&nbsp;`, `&eacute;`, `&mdash;`) that XML does not define,
// bare ampersands (`AT&T`, `?a=1&b=2`), and numeric references to characters XML forbids
// (`&#1;`, `&#xFFFF;`) or that do not exist (`&#99999999;`). sax rejects each of them and the
// whole feed would be lost. Here:
//   - the five XML entities stay as they are;
//   - an HTML named entity becomes the character(s) it names (the table is the `entities`
//     package's, i.e. the HTML standard's);
//   - any other name — including every entity a DOCTYPE declares, which we never expand (no XXE,
//     no billion laughs) — is kept as literal text (`&amp;name;`);
//   - a numeric reference to an allowed character becomes that character (sax decodes numeric
//     references one character at a time, slowly); one to a forbidden character disappears;
//   - a bare `&` becomes `&amp;`.
// Characters that are markup (`&`, `<`, `>`, `"`) or whitespace that attribute normalization
// would change stay escaped.
import { decodeHTMLStrict } from 'entities';
import { isXmlChar } from './text.ts';

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

// Known names only: the HTML table bounds the cache, whatever names upstreams invent.
const htmlEntityCache = new Map<string, string>();

function htmlEntity(name: string): string | null {
  const cached = htmlEntityCache.get(name);
  if (cached !== undefined) return cached;
  const reference = `&${name};`;
  const decoded = decodeHTMLStrict(reference);
  // decodeHTMLStrict leaves unknown references untouched; a known one yields 1–2 characters.
  if (decoded === reference || [...decoded].length > 2) return null;
  htmlEntityCache.set(name, decoded);
  return decoded;
}

function characterReference(cp: number): string {
  if (!isXmlChar(cp)) return '';
  switch (cp) {
    case 0x26:
      return '&amp;';
    case 0x3c:
      return '&lt;';
    case 0x3e:
      return '&gt;';
    case 0x22:
      return '&quot;';
    case 0x9:
    case 0xa:
    case 0xd:
      return `&#${cp};`;
    default:
      return String.fromCodePoint(cp);
  }
}

function escapeDecoded(text: string): string {
  return text.replace(/[&<>"]/g, (c) => characterReference(c.charCodeAt(0)));
}

const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

function digit(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (!hex) return -1;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

// Where scanning resumes after the reference `reference()` just read (saves a tuple per call).
let resumeAt = 0;

/**
 * The replacement for what starts at `text[at] === '&'`; sets `resumeAt`. Scanned by hand: a feed
 * can hold millions of references, and a regular-expression match per reference costs several
 * times the time and memory.
 */
function reference(text: string, at: number): string {
  let i = at + 1;
  if (text.charCodeAt(i) === 0x23 /* # */) {
    const hex = (text.charCodeAt(i + 1) | 0x20) === 0x78; /* x or X */
    const start = hex ? i + 2 : i + 1;
    let value = 0;
    for (i = start; i - start < 10; i++) {
      const d = digit(text.charCodeAt(i), hex);
      if (d < 0) break;
      value = value * (hex ? 16 : 10) + d;
    }
    if (i === start || text.charCodeAt(i) !== 0x3b /* ; */) {
      resumeAt = at + 1;
      return '&amp;';
    }
    resumeAt = i + 1;
    return characterReference(value);
  }
  while (i - at <= 32 && isAlnum(text.charCodeAt(i))) i++;
  const first = text.charCodeAt(at + 1) | 0x20;
  if (i === at + 1 || first < 0x61 || first > 0x7a || text.charCodeAt(i) !== 0x3b) {
    resumeAt = at + 1;
    return '&amp;';
  }
  resumeAt = i + 1;
  const name = text.slice(at + 1, i);
  if (XML_ENTITIES.has(name)) return `&${name};`;
  const html = htmlEntity(name);
  return html === null ? `&amp;${name};` : escapeDecoded(html);
}

/** Every reference in a run of text (or an attribute value) made acceptable; `<` escaped. */
export function fixText(text: string): string {
  let amp = text.indexOf('&');
  let lt = text.indexOf('<');
  if (amp === -1 && lt === -1) return text;
  // Pieces are joined a few thousand at a time, so a million references never hold a million
  // small strings at once.
  const chunks: string[] = [];
  const parts: string[] = [];
  let from = 0;
  while (amp !== -1 || lt !== -1) {
    if (parts.length >= 4096) {
      chunks.push(parts.join(''));
      parts.length = 0;
    }
    if (lt !== -1 && (amp === -1 || lt < amp)) {
      if (lt > from) parts.push(text.slice(from, lt));
      parts.push('&lt;');
      from = lt + 1;
      lt = text.indexOf('<', from);
      continue;
    }
    if (amp > from) parts.push(text.slice(from, amp));
    const out = reference(text, amp);
    if (out !== '') parts.push(out);
    from = resumeAt;
    amp = text.indexOf('&', from);
    if (lt !== -1 && lt < from) lt = text.indexOf('<', from);
  }
  if (from < text.length) parts.push(text.slice(from));
  chunks.push(parts.join(''));
  return chunks.join('');
}
