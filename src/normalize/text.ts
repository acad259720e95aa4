// Plain text from upstream strings that may hold markup and entities (titles, authors, tags), and the
// character hygiene every output relies on.
//
// The rule for titles, authors and categories. The parser has already undone the XML (or JSON)
// layer, so the string we get is read once as an HTML fragment, the way feed readers show RSS titles:
//   - markup that is real markup is removed: a start or end tag whose name is an HTML element
//     (`<b>`, `<img src=x onerror=…>`, `</p>`), comments, `<!…>` and `<?…?>`; the text around and
//     inside it is kept, and a block element (`<p>`, `<br>`, `<li>` …) leaves a space;
//   - anything else that starts with `<` is text: `Vector<T>`, `Box<dyn Error>`, `a < b`, `<3`;
//   - entities are decoded exactly once, and never again: a title written `&amp;lt;b&amp;gt;` in
//     the XML reaches us as `&lt;b&gt;` and becomes the text `<b>`, shown literally, as feed readers
//     show it. A second decode would turn text back into markup.
// The result is text. Renderers escape it (RSS/Atom/HTML) and never emit it as markup, so a title
// that reads `<img src=x onerror=alert(1)>` after this step is republished as
// `&lt;img src=x onerror=alert(1)&gt;`. SPEC ("upstream markup in a title is removed") and
// reliability.md ("`&lt;img onerror…&gt;` in a title is republished escaped") both hold: the first
// applies to markup, the second to text that looks like markup.
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import { BLOCK_ELEMENTS, HTML_ELEMENTS, RAW_TEXT_ELEMENTS } from './html-elements.ts';

// Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE/U+FFFF) and lone surrogates.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Removes characters that cannot appear in XML 1.0 output; lone surrogates become U+FFFD. */
export function stripForbiddenChars(text: string): string {
  // The lookarounds make FORBIDDEN slow on long text; most text has no candidate at all.
  if (!MAYBE_FORBIDDEN.test(text)) return text;
  return text.replace(FORBIDDEN, (c) => (c >= '\uD800' && c <= '\uDFFF' ? '\uFFFD' : ''));
}

// In plain text also: C1 controls (mis-decoded bytes, invisible, flagged by feed validators), BOMs,
// and all whitespace runs collapse to one space.
const INVISIBLE_IN_TEXT = /[\u0080-\u009F\uFEFF]/g;

/** Text fields longer than this are cut before parsing: nesting depth costs htmlparser2 quadratic time. */
const MAX_MARKUP_INPUT = 65_536;

/** Tags removed, entities decoded once, whitespace collapsed; null when nothing is left. See the rule above. */
export function plainText(value: string | null): string | null {
  if (value === null) return null;
  const input = stripForbiddenChars(cutCodeUnits(value, MAX_MARKUP_INPUT));
  let text: string;
  if (input.includes('<')) text = textOfMarkup(input);
  else text = input.includes('&') ? decodeHTML(input) : input;
  return cleanText(text);
}

function textOfMarkup(input: string): string {
  let out = '';
  const open: string[] = [];
  const parser: Parser = new Parser(
    {
      onopentag(name, _attribs, isImplied) {
        open.push(name);
        if (BLOCK_ELEMENTS.has(name)) out += ' ';
        else if (!isImplied && !HTML_ELEMENTS.has(name)) out += input.slice(parser.startIndex, parser.endIndex + 1);
      },
      onclosetag(name, isImplied) {
        open.pop();
        if (BLOCK_ELEMENTS.has(name)) out += ' ';
        else if (!isImplied && !HTML_ELEMENTS.has(name)) out += input.slice(parser.startIndex, parser.endIndex + 1);
      },
      ontext(text) {
        // htmlparser2 leaves the content of raw-text elements undecoded; decode it the one time.
        const inRawText = open.length > 0 && RAW_TEXT_ELEMENTS.has(open[open.length - 1]!);
        out += inRawText ? decodeHTML(text) : text;
      },
    },
    { decodeEntities: true },
  );
  parser.write(input);
  parser.end();
  return out;
}

/** Forbidden and invisible characters removed, NFC, whitespace collapsed; null when nothing is left. */
export function cleanText(text: string): string | null {
  const cleaned = stripForbiddenChars(text).replace(INVISIBLE_IN_TEXT, '').normalize('NFC').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

/** The text of (sanitized) HTML, block boundaries as spaces, whitespace collapsed; null when empty. */
export function htmlToText(html: string | null): string | null {
  return html === null ? null : cleanText(rawTextOfHtml(html));
}

/**
 * The text of `html` before cleaning: text as htmlparser2 decodes it, a space at each block
 * element's start and end. sanitize-fixpoint.ts collects the same in its proof pass.
 */
export function rawTextOfHtml(html: string): string {
  let out = '';
  const parser = new Parser(
    {
      onopentag(name) {
        if (BLOCK_ELEMENTS.has(name)) out += ' ';
      },
      onclosetag(name) {
        if (BLOCK_ELEMENTS.has(name)) out += ' ';
      },
      ontext(text) {
        out += text;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return out;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * At most `max` user-perceived characters, ending in `…` when cut. Cuts between grapheme clusters,
 * so never inside a surrogate pair, an emoji sequence or a base letter and its combining marks.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text; // max code units ⇒ at most max graphemes
  const kept: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length === max) {
      kept.length = max - 1;
      return kept.join('').trimEnd() + '…';
    }
    kept.push(segment);
  }
  return text;
}

/** The first `max` UTF-16 code units, backing off one unit rather than splitting a surrogate pair. */
export function cutCodeUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Text escaped for HTML element content. */
export function escapeHtmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
