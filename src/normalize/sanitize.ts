// Upstream HTML is hostile. sanitize-html (≥ 2.17.4 for CVE-2026-44990) with the strict policy of
// sanitize-policy.ts, wrapped so that the result is
//   - idempotent: sanitize-html alone is not on some malformed input (`<p>abc<iframe//src=…>def`),
//     because its output can parse differently from its input. We re-run it until the output is a
//     fixpoint (sanitizing it changes nothing), at most MAX_PASSES times; input that never settles
//     is republished as escaped plain text. A fixpoint also proves the output holds nothing the
//     policy would remove, as htmlparser2 reads it. Most output is proven a fixpoint by
//     sanitize-fixpoint.ts in a sixth of a pass; only what it cannot prove gets the next pass;
//   - bounded in time: htmlparser2 keeps open elements in an array it shifts and unshifts, so one
//     tag costs O(depth) and deep nesting costs O(n·depth). Parsing is abandoned past
//     MAX_PARSE_DEPTH open elements (the content is then republished as plain text); tags nested
//     deeper than NESTING_LIMIT are dropped (their text kept); content longer than
//     MAX_CONTENT_CHARS is cut at a tag boundary and ends with TRUNCATION_MARK;
//   - valid XML text: characters XML 1.0 forbids are removed before and after.
// Every `<` in the output opens an allowed tag, every attribute value is double-quoted with `&`, `<`,
// `>` and `"` escaped, and text has `&`, `<`, `>` escaped; test/sanitize-*.test.ts checks this on
// a corpus of bypass vectors with a tokenizer independent of htmlparser2.
import { decodeHTML } from 'entities';
import sanitizeHtml from 'sanitize-html';
import { sanitizeFixpointText } from './sanitize-fixpoint.ts';
import { IFRAME_PLAYERS, policyFor } from './sanitize-policy.ts';
import { cleanText, cutCodeUnits, escapeHtmlText, htmlToText, stripForbiddenChars } from './text.ts';

/** Hostnames whose video players may appear as iframes (the pages' CSP frame-src lists them). */
export const IFRAME_HOSTS: readonly string[] = Object.keys(IFRAME_PLAYERS);

/**
 * Upper bound of one sanitized field, in UTF-16 code units: 512 Ki, five times a long-form article
 * with its markup. sanitize-html reads about 3 MB/s and a field takes two passes or more, so this
 * also bounds the time one entry can cost.
 */
export const MAX_CONTENT_CHARS = 1 << 19;
/** Appended, as its own paragraph, where content was cut. */
export const TRUNCATION_MARK = '<p>[…]</p>';
const NESTING_LIMIT = 256;
const MAX_PARSE_DEPTH = 1024;
const MAX_PASSES = 4;
// Room left when cutting sanitized output, for the end tags the next pass adds (≤ NESTING_LIMIT).
const CUT_SLACK = 8192;

class TooDeep extends Error {}

/** Sanitized HTML with every URL absolute against `base`; null when nothing is left. */
export function sanitizeContent(html: string | null, base: string | null): string | null {
  return sanitizeContentAndText(html, base)?.html ?? null;
}

export interface SanitizedContent {
  html: string;
  /**
   * rawTextOfHtml(html) when the fixpoint proof collected it on the way (sanitize-fixpoint.ts),
   * else null: textOfSanitized reads it without parsing `html` again.
   */
  rawText: string | null;
}

/** sanitizeContent, keeping the text its fixpoint proof collected; null when nothing is left. */
export function sanitizeContentAndText(html: string | null, base: string | null): SanitizedContent | null {
  if (html === null) return null;
  let input = stripForbiddenChars(html);
  if (input.trim() === '') return null;
  // Cut long input well below the cap: making URLs absolute lengthens the output.
  if (input.length > MAX_CONTENT_CHARS) input = cutHtml(input, Math.floor(MAX_CONTENT_CHARS * 0.75)) + TRUNCATION_MARK;
  let out: SanitizedContent | null;
  try {
    out = fixpoint(input, base);
    for (let i = 0; out !== null && out.html.length > MAX_CONTENT_CHARS && i < 3; i++) {
      const body = out.html.endsWith(TRUNCATION_MARK) ? out.html.slice(0, -TRUNCATION_MARK.length) : out.html;
      out = fixpoint(cutHtml(body, MAX_CONTENT_CHARS - CUT_SLACK) + TRUNCATION_MARK, base);
    }
    if (out !== null && out.html.length > MAX_CONTENT_CHARS) out = null;
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    out = null;
  }
  out ??= { html: asEscapedText(input, base), rawText: null };
  // Whitespace alone (U+3000 included, as in the check on the way in) is nothing.
  return out.html.trim() === '' ? null : out;
}

/** htmlToText(content.html), from the text the proof collected when it did. */
export function textOfSanitized(content: SanitizedContent | null): string | null {
  if (content === null) return null;
  return content.rawText !== null ? cleanText(content.rawText) : htmlToText(content.html);
}

function fixpoint(html: string, base: string | null): SanitizedContent | null {
  let current = html;
  for (let i = 0; i < MAX_PASSES; i++) {
    const next = pass(current, base);
    if (next === current) return { html: next, rawText: null };
    // The cheap proof first (sanitize-fixpoint.ts); when it cannot tell, the next pass decides.
    const rawText = sanitizeFixpointText(next, base, NESTING_LIMIT);
    if (rawText !== null) return { html: next, rawText };
    current = next;
  }
  return null;
}

function pass(html: string, base: string | null): string {
  let depth = 0;
  const out = sanitizeHtml(html, {
    ...policyFor(base),
    nestingLimit: NESTING_LIMIT,
    onOpenTag: () => {
      if (++depth > MAX_PARSE_DEPTH) throw new TooDeep();
    },
    onCloseTag: () => {
      depth--;
    },
  });
  // Numeric references such as `&#1;` decode to characters XML forbids; they go too.
  return trimHtmlWhitespace(stripForbiddenChars(out));
}

// Last resort, for input too deep to parse or that never settles: its text, escaped, in one
// paragraph. Tags are stripped by a linear scan (no parser, so no nesting cost).
function asEscapedText(html: string, base: string | null): string {
  let text = '';
  let position = 0;
  while (position < html.length) {
    const open = html.indexOf('<', position);
    if (open === -1) {
      text += html.slice(position);
      break;
    }
    text += html.slice(position, open) + ' ';
    const close = html.indexOf('>', open);
    if (close === -1) break;
    position = close + 1;
  }
  const clean = stripForbiddenChars(decodeHTML(text)).replace(/\s+/g, ' ').trim();
  if (clean === '') return '';
  // Escaping may grow text up to 5×; keep the result under the cap.
  const cut = cutCodeUnits(clean, Math.floor((MAX_CONTENT_CHARS - TRUNCATION_MARK.length) / 5) - 8);
  const result = `<p>${escapeHtmlText(cut)}</p>${cut.length < clean.length ? TRUNCATION_MARK : ''}`;
  // Plain escaped text is a fixpoint of the policy by construction; checked, so idempotence never rests on it.
  return pass(result, base) === result ? result : '';
}

/** The first `max` code units of `html`, cut before a tag or an entity rather than inside one. */
function cutHtml(html: string, max: number): string {
  let cut = cutCodeUnits(html, max);
  const lastOpen = cut.lastIndexOf('<');
  if (lastOpen !== -1 && cut.indexOf('>', lastOpen) === -1) cut = cut.slice(0, lastOpen);
  const lastAmp = cut.lastIndexOf('&');
  if (lastAmp !== -1 && cut.length - lastAmp <= 32 && !cut.slice(lastAmp).includes(';')) cut = cut.slice(0, lastAmp);
  return cut;
}

// ASCII whitespace only: U+3000 and U+00A0 at the start of Chinese text are indentation, not noise.
function trimHtmlWhitespace(html: string): string {
  let start = 0;
  let end = html.length;
  while (start < end && isHtmlSpace(html.charCodeAt(start))) start++;
  while (end > start && isHtmlSpace(html.charCodeAt(end - 1))) end--;
  return html.slice(start, end);
}

function isHtmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}
