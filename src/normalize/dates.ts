// Upstream date strings → Date or null. RFC 822 variants, ISO 8601, and the lenient forms
// Date.parse accepts; anything invalid or absurd is null and the caller falls back to first-seen.

const MIN = Date.UTC(1970, 0, 2);
const MAX = Date.UTC(9999, 11, 31, 23, 59, 59);

// Common RFC 822 mistakes: named zones Date.parse does not know, and the Chinese "CST" meaning +0800
// is ambiguous, so only unambiguous zone names are mapped.
const ZONES: Record<string, string> = { UT: '+0000', UTC: '+0000', GMT: '+0000', Z: '+0000' };

export function parseDate(value: string | null): Date | null {
  if (!value) return null;
  const text = value.trim();
  if (text === '') return null;
  let ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    const fixed = text
      .replace(/^[A-Za-z]+,?\s*/, '')
      .replace(/\b(UT|UTC|GMT|Z)\b$/, (z) => ZONES[z] ?? z);
    ms = Date.parse(fixed);
  }
  if (Number.isNaN(ms) || ms < MIN || ms > MAX) return null;
  return new Date(ms);
}
