// Plain text from upstream strings that may hold markup and entities (titles, authors, tags).
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';

// Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE/U+FFFF) and lone surrogates.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes characters that cannot appear in XML 1.0 output; lone surrogates become U+FFFD. */
export function stripForbiddenChars(text: string): string {
  return text.replace(FORBIDDEN, (c) => (c >= '\uD800' && c <= '\uDFFF' ? '\uFFFD' : ''));
}

/** Tags removed, entities decoded, whitespace collapsed. */
export function plainText(value: string | null): string | null {
  if (value === null) return null;
  let out = '';
  if (value.includes('<')) {
    const parser = new Parser(
      { ontext: (t) => (out += t) },
      { decodeEntities: true },
    );
    parser.write(value);
    parser.end();
  } else {
    out = value.includes('&') ? decodeHTML(value) : value;
  }
  const collapsed = stripForbiddenChars(out).replace(/\s+/g, ' ').trim();
  return collapsed === '' ? null : collapsed;
}
