// One small escaper for every page: the `html` tagged template escapes each interpolated value
// unless it is already `SafeHtml` (markup built by `html` itself, or sanitized content passed
// through `trustedHtml`). Titles, authors and source names are plain text and go through here.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

// C0/C1 controls (except tab, LF, CR), U+FFFE/U+FFFF and lone surrogates are parse errors or
// garbage in HTML; drop the controls and replace lone surrogates, as the feed outputs do.
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a double-quoted attribute value. */
export function escapeText(text: string): string {
  return text.replace(UNWANTED, (c) => (c >= '\uD800' && c <= '\uDFFF' ? '\uFFFD' : '')).replace(SPECIAL, (c) => ENTITY[c]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeText(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup that has been through the HTML sanitizer. Never pass upstream text here directly. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** The URL if it is absolute http(s), else null: upstream links never become `javascript:` hrefs. */
export function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
