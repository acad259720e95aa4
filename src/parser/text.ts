// Small string helpers shared by the parser's stages.

// Characters XML 1.0 forbids: C0 controls except tab/LF/CR, U+FFFE, U+FFFF and lone surrogates.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Removes every character XML 1.0 forbids, so no stage downstream ever meets one. */
export function stripForbiddenChars(text: string): string {
  // The lookarounds make FORBIDDEN slow on a whole document; most documents have no candidate.
  return MAYBE_FORBIDDEN.test(text) ? text.replace(FORBIDDEN, '') : text;
}

/** Whether text holds a character XML 1.0 forbids (what stripForbiddenChars would remove). */
export function hasForbiddenChars(text: string): boolean {
  if (!MAYBE_FORBIDDEN.test(text)) return false;
  FORBIDDEN.lastIndex = 0; // a global regex's test() starts where the last one stopped
  return FORBIDDEN.test(text);
}

/** True for a code point XML 1.0 allows in a document. */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for use inside markup: element content or a double-quoted attribute value. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]!);
}

/** Plain text as HTML: escaped, blank lines become paragraphs, single newlines line breaks. */
export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeMarkup(p.trim()).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** A non-blank trimmed string, or null. */
export function nonBlank(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
