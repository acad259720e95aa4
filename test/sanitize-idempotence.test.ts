// sanitize(sanitize(x)) === sanitize(x), and safe output, on generated malformed HTML, mutations of
// the bypass vectors, and real feed content. Seeds are fixed: a failure names its input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sanitizeContent } from '../src/normalize/sanitize.ts';
import { mutate, prng, randomHtml } from './fixtures/normalize/html-fuzz.ts';
import { violations } from './fixtures/normalize/safe-html.ts';
import { VECTORS } from './fixtures/normalize/xss-vectors.ts';

const BASE = 'https://example.com/a/b';
const realWorld = JSON.parse(readFileSync('test/fixtures/normalize/real-world-html.json', 'utf8')) as { source: string; html: string }[];

function check(inputs: string[]): string[] {
  const failures: string[] = [];
  for (const html of inputs) {
    const once = sanitizeContent(html, BASE);
    const twice = sanitizeContent(once, BASE);
    if (twice !== once) failures.push(`not idempotent: ${JSON.stringify(html)}\n  once:  ${JSON.stringify(once)}\n  twice: ${JSON.stringify(twice)}`);
    const found = once === null ? [] : violations(once);
    if (found.length > 0) failures.push(`unsafe: ${JSON.stringify(html)} → ${JSON.stringify(once)}: ${found.join('; ')}`);
    if (failures.length > 5) break;
  }
  return failures;
}

describe('sanitizer idempotence and safety', () => {
  it('holds on the malformed input sanitize-html alone gets wrong', () => {
    const html = '<p>abc<iframe//src=jAva&Tab;script:alert(3)>def</p>';
    expect(check([html, '<p>abc<iframe src="https://www.youtube.com/embed/x">def</p>', '<iframe src="https://www.youtube.com/embed/x">&lt;b&gt;</iframe>'])).toEqual([]);
  });

  it('holds on 3000 generated documents', () => {
    const random = prng(20261102);
    const inputs = Array.from({ length: 3000 }, () => randomHtml(random));
    expect(check(inputs)).toEqual([]);
  });

  it('holds on 3000 mutations of the bypass vectors', () => {
    const random = prng(513);
    const inputs = Array.from({ length: 3000 }, () => mutate(VECTORS[Math.floor(random() * VECTORS.length)]!.html, random));
    expect(check(inputs)).toEqual([]);
  });

  it('holds on real feed content, which keeps its substance', () => {
    expect(realWorld.length).toBeGreaterThan(100);
    expect(check(realWorld.map((r) => r.html))).toEqual([]);
    const kept = realWorld.filter((r) => (sanitizeContent(r.html, BASE) ?? '').includes('<a href="http'));
    expect(kept.length).toBeGreaterThan(50);
  });
});
