// A proof, in one htmlparser2 pass, that a sanitizer pass would return `html` unchanged.
//
// sanitize.ts makes its output a fixpoint of the policy: it used to prove that by running
// sanitize-html again on its own output and comparing (MAX_PASSES in sanitize.ts). A sanitize-html
// pass costs about six times the htmlparser2 parse under it (measured on the benchmark's Chinese
// news HTML: 5.1 ms against 0.8 ms per 50 items), and the second pass, which almost always only
// confirms, was half of all sanitizing — the largest CPU cost of ingest (docs/performance.md).
//
// This check parses `html` with the parser and options sanitize-html uses and rebuilds, piece by
// piece, the exact string sanitize-html writes when every element passes untouched: `<tag`, each
// attribute as ` name="value"` escaped as sanitize-html escapes it (` name` for boolean ones,
// `alt=""`), ` />` or `>`, text escaped, `</tag>` where the parser closes an element. It accepts
// only when every element is allowed, under the nesting limit, unchanged by the policy's own tag
// transform and not removed by its exclusion rule, nothing is dropped (comments, doctypes, iframe
// text, srcset, which sanitize-html re-serializes itself) and the rebuilt string is `html` itself.
// Then sanitize-html's pass writes the same string, so `html` is a fixpoint. Anything else answers
// false, and sanitize.ts runs the real pass as before: a false "no" costs time, never safety.
// test/sanitize-fixpoint.test.ts checks "yes ⇒ sanitize-html returns it unchanged" on every vector.
//
// The same pass collects the text of `html` by htmlToText's rule (text.ts: text as the parser
// decodes it, a space at each block element's start and end): with the same parser and options it
// sees the same events, so a proven fixpoint's text needs no second parse (one parse per entry
// less; test/sanitize-fixpoint.test.ts compares it with htmlToText).
import { Parser } from 'htmlparser2';
import { BLOCK_ELEMENTS } from './html-elements.ts';
import { ALLOWED_TAGS, SELF_CLOSING, exclusionOf, tagTransform } from './sanitize-policy.ts';

const ALLOWED = new Set(ALLOWED_TAGS);
const SELF_CLOSING_SET = new Set(SELF_CLOSING);
// Attributes sanitize-html writes bare when empty (they are not in its nonBooleanAttributes list);
// `alt` it writes as `alt=""` (allowedEmptyAttributes). Any other empty value it may delete: refuse.
const BARE_WHEN_EMPTY = new Set(['controls', 'reversed', 'allowfullscreen']);
// sanitize-html's VALID_HTML_ATTRIBUTE_NAME.
const VALID_ATTRIBUTE_NAME = /^[^\0\t\n\f\r /<=>]+$/;

class NotFixpoint extends Error {}
const NO = new NotFixpoint();

/** True only when sanitize-html with policyFor(base) and `nestingLimit` would return `html` as it is. */
export function isSanitizeFixpoint(html: string, base: string | null, nestingLimit: number): boolean {
  return sanitizeFixpointText(html, base, nestingLimit) !== null;
}

/**
 * When sanitize-html with policyFor(base) and `nestingLimit` would return `html` as it is: the
 * text of `html` as htmlToText collects it before cleaning (rawTextOfHtml); otherwise null.
 */
export function sanitizeFixpointText(html: string, base: string | null, nestingLimit: number): string | null {
  const transform = tagTransform(base);
  const open: string[] = [];
  let position = 0;
  let text = '';
  const expect = (piece: string) => {
    if (!html.startsWith(piece, position)) throw NO;
    position += piece.length;
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        // sanitize-html skips an element opened at depth ≥ nestingLimit; stay well inside it.
        if (open.length >= nestingLimit - 1 || !ALLOWED.has(name)) throw NO;
        const transformed = transform(name, { ...attribs });
        if (transformed.tagName !== name || !sameAttributes(transformed.attribs, attribs) || exclusionOf(name, attribs) !== false) throw NO;
        let piece = `<${name}`;
        for (const attribute in attribs) {
          const value = attribs[attribute]!;
          if (attribute === 'srcset' || !VALID_ATTRIBUTE_NAME.test(attribute)) throw NO;
          if (value !== '') piece += ` ${attribute}="${escapeHtml(value, true)}"`;
          else if (attribute === 'alt') piece += ' alt=""';
          else if (BARE_WHEN_EMPTY.has(attribute)) piece += ` ${attribute}`;
          else throw NO;
        }
        expect(SELF_CLOSING_SET.has(name) ? `${piece} />` : `${piece}>`);
        open.push(name);
        if (BLOCK_ELEMENTS.has(name)) text += ' ';
      },
      ontext(data) {
        // sanitize-html's textFilter empties an iframe's text.
        if (open.at(-1) === 'iframe') throw NO;
        expect(escapeHtml(data, false));
        text += data;
      },
      onclosetag(name) {
        if (open.pop() !== name) throw NO;
        if (!SELF_CLOSING_SET.has(name)) expect(`</${name}>`);
        if (BLOCK_ELEMENTS.has(name)) text += ' ';
      },
      // Dropped by sanitize-html: their presence means the output differs.
      oncomment() {
        throw NO;
      },
      oncdatastart() {
        throw NO;
      },
      onprocessinginstruction() {
        throw NO;
      },
    },
    // sanitize-html's parser options (its defaults; the policy sets none).
    { decodeEntities: true },
  );
  try {
    parser.end(html);
  } catch (error) {
    if (error === NO) return null;
    throw error;
  }
  return position === html.length && open.length === 0 ? text : null;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i]!;
    if (key !== bKeys[i] || a[key] !== b[key]) return false;
  }
  return true;
}

// sanitize-html's escapeHtml with decodeEntities on.
function escapeHtml(text: string, quote: boolean): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote ? escaped.replace(/"/g, '&quot;') : escaped;
}
