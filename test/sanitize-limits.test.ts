// Bounded time and size on hostile shapes. The bounds are generous for a loaded 2-core machine;
// without the depth guard the pathological cases take minutes (htmlparser2 pays O(depth) per tag).
import { describe, expect, it } from 'vitest';
import { MAX_CONTENT_CHARS, sanitizeContent, TRUNCATION_MARK } from '../src/normalize/sanitize.ts';
import { violations } from './fixtures/normalize/safe-html.ts';

const BASE = 'https://example.com/';

function timed(html: string): { out: string | null; ms: number } {
  const started = performance.now();
  const out = sanitizeContent(html, BASE);
  return { out, ms: performance.now() - started };
}

function maxDepth(html: string): number {
  let depth = 0;
  let max = 0;
  for (const tag of html.match(/<\/?[a-z][^>]*>/g) ?? []) {
    if (tag.startsWith('</')) depth--;
    else if (!tag.endsWith('/>')) max = Math.max(max, ++depth);
  }
  return max;
}

describe('sanitizer limits', () => {
  it('sanitizes 513-deep nesting quickly, keeping the text and capping the depth', () => {
    const html = '<div>'.repeat(513) + 'deep text' + '</div>'.repeat(513);
    const { out, ms } = timed(html);
    expect(ms).toBeLessThan(2000);
    expect(out).toContain('deep text');
    expect(maxDepth(out!)).toBeLessThanOrEqual(256);
    expect(sanitizeContent(out, BASE)).toBe(out);
  });

  it('abandons markup nested deeper than the parse limit and republishes its text', () => {
    for (const html of ['<b>'.repeat(150_000) + 'x', '<div><span>'.repeat(40_000) + 'x', '<span><a href=/a>'.repeat(25_000) + 'x']) {
      const { out, ms } = timed(html);
      expect(ms).toBeLessThan(5000);
      expect(out).toBe('<p>x</p>');
    }
  });

  it('cuts 15 MB of content at a tag boundary, marks the cut, and stays idempotent', () => {
    const paragraph = '<p>Some <b>bold</b> text, a <a href="/x?a=1&amp;b=2">link</a> and <img src="i.png" alt="x"> 科技日报 😀.</p>\n';
    const html = paragraph.repeat(Math.ceil(15_000_000 / paragraph.length));
    const { out, ms } = timed(html);
    expect(ms).toBeLessThan(8000);
    expect(out!.length).toBeLessThanOrEqual(MAX_CONTENT_CHARS);
    expect(out!.length).toBeGreaterThan(MAX_CONTENT_CHARS / 2);
    expect(out!.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(out!.split(TRUNCATION_MARK)).toHaveLength(2);
    expect(violations(out!)).toEqual([]);
    expect(sanitizeContent(out, BASE)).toBe(out);
  });

  it('handles 15 MB without tags, 15 MB of entities and one huge tag in bounded time', () => {
    for (const html of ['a'.repeat(15_000_000), '&amp;'.repeat(3_000_000), `<img ${'a=b '.repeat(500_000)}src=x>`, `<a href="${'x'.repeat(5_000_000)}">t</a>`, `<a href="${'x<a '.repeat(1_000_000)}`]) {
      const { out, ms } = timed(html);
      expect(ms).toBeLessThan(5000);
      if (out !== null) {
        expect(out.length).toBeLessThanOrEqual(MAX_CONTENT_CHARS);
        expect(violations(out)).toEqual([]);
        expect(sanitizeContent(out, BASE)).toBe(out);
      }
    }
  });

  it('never cuts inside a surrogate pair or an entity', () => {
    const out = sanitizeContent('😀'.repeat(MAX_CONTENT_CHARS), BASE)!;
    expect(out.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    const entities = sanitizeContent('&lt;'.repeat(MAX_CONTENT_CHARS / 3), BASE)!;
    expect(entities.slice(0, -TRUNCATION_MARK.length)).toMatch(/^(&lt;)+$/);
  });

  it('drops URLs longer than 8 KB rather than republishing them', () => {
    expect(sanitizeContent(`<a href="https://ok.example/${'x'.repeat(9000)}">t</a>`, BASE)).toBe('t');
  });
});
