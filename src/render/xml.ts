import { stripForbiddenChars } from '../normalize/text.ts';

/** Text safe for XML 1.0 element content and attribute values. */
export function xmlEscape(text: string): string {
  return stripForbiddenChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
