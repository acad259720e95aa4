// Low-level scanning shared by the sniffer and the repair pass.

// XML 1.0 (5th edition) names, without a leading colon and without characters beyond U+FFFF
// (sax checks names one UTF-16 unit at a time and rejects surrogates). sax (strict) and
// xmlbuilder check names against these ranges; a name outside them would fail the whole document.
const NAME_START = 'A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = `${NAME_START}\\-.:0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;

/** Sticky: a name starting exactly at `lastIndex`. */
export const NAME_AT = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy');
export const IS_NAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`, 'u');

/**
 * Index just past a `<!…>` declaration starting at `at` (DOCTYPE with an internal subset,
 * ENTITY, ELEMENT …): `>` inside quotes, inside `[…]` or inside comments does not end it.
 */
export function endOfDeclaration(text: string, at: number): number {
  let depth = 0;
  let quote = '';
  for (let i = at + 2; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '<' && text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close === -1) return text.length;
      i = close + 2;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      depth = Math.max(0, depth - 1);
    } else if (c === '>' && depth === 0) {
      return i + 1;
    }
  }
  return text.length;
}

/** Index of the first non-whitespace character at or after `at`. */
export function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) break;
    i++;
  }
  return i;
}

/** Index past the prolog (declaration, comments, processing instructions, doctype, whitespace). */
export function skipProlog(text: string, at = 0): { next: number; doctype: string | null } {
  let i = skipSpace(text, at);
  let doctype: string | null = null;
  for (;;) {
    if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      i = close === -1 ? text.length : close + 2;
    } else if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      i = close === -1 ? text.length : close + 3;
    } else if (/^<!doctype/i.test(text.slice(i, i + 9))) {
      const end = endOfDeclaration(text, i);
      doctype = /^<!doctype\s+([^\s>[]+)/i.exec(text.slice(i, Math.min(end, i + 200)))?.[1] ?? '';
      i = end;
    } else {
      return { next: i, doctype };
    }
    i = skipSpace(text, i);
  }
}
