// The one-pass fixpoint proof (src/normalize/sanitize-fixpoint.ts) may only say "yes" when a real
// sanitize-html pass with the same policy returns the input unchanged. Checked on the bypass
// vectors, generated malformed HTML, real feed content, their sanitized forms and mutations of
// those: wherever the proof says yes, sanitize-html is run and must agree.
import { readFileSync } from 'node:fs';
import sanitizeHtml from 'sanitize-html';
import { describe, expect, it } from 'vitest';
import { isSanitizeFixpoint, sanitizeFixpointText } from '../src/normalize/sanitize-fixpoint.ts';
import { policyFor } from '../src/normalize/sanitize-policy.ts';
import { sanitizeContent, sanitizeContentAndText, textOfSanitized } from '../src/normalize/sanitize.ts';
import { htmlToText, rawTextOfHtml } from '../src/normalize/text.ts';
import { mutate, prng, randomHtml } from './fixtures/normalize/html-fuzz.ts';
import { VECTORS } from './fixtures/normalize/xss-vectors.ts';

const BASE = 'https://example.com/a/b';
const NESTING_LIMIT = 256;
const realWorld = JSON.parse(readFileSync('test/fixtures/normalize/real-world-html.json', 'utf8')) as { source: string; html: string }[];

const realPass = (html: string) => sanitizeHtml(html, { ...policyFor(BASE), nestingLimit: NESTING_LIMIT });

/** Candidates: each input, its sanitized form, sanitize-html's single pass of it, and mutations of both. */
function candidates(inputs: string[], seed: number): string[] {
  const random = prng(seed);
  const out: string[] = [];
  for (const html of inputs) {
    const sanitized = sanitizeContent(html, BASE);
    const single = realPass(html);
    out.push(html, single);
    if (sanitized !== null) out.push(sanitized, mutate(sanitized, random), mutate(sanitized, random));
    out.push(mutate(single, random));
  }
  return out;
}

function disagreements(inputs: string[]): { proven: number; failures: string[] } {
  let proven = 0;
  const failures: string[] = [];
  for (const html of inputs) {
    if (!isSanitizeFixpoint(html, BASE, NESTING_LIMIT)) continue;
    proven++;
    const again = realPass(html);
    if (again !== html) failures.push(`proof said fixpoint, sanitize-html changed it: ${JSON.stringify(html)}\n  → ${JSON.stringify(again)}`);
    if (failures.length > 5) break;
  }
  return { proven, failures };
}

describe('one-pass fixpoint proof', () => {
  it('never says yes where sanitize-html would change the HTML (bypass vectors and mutations)', () => {
    const inputs = candidates(VECTORS.map((v) => v.html), 924);
    const { proven, failures } = disagreements(inputs);
    expect(failures).toEqual([]);
    expect(proven).toBeGreaterThan(200);
  });

  it('never says yes where sanitize-html would change the HTML (generated malformed HTML)', () => {
    const random = prng(20261127);
    const inputs = candidates(Array.from({ length: 1500 }, () => randomHtml(random)), 7);
    const { proven, failures } = disagreements(inputs);
    expect(failures).toEqual([]);
    expect(proven).toBeGreaterThan(300);
  });

  it('proves most sanitized real feed content in one pass, and agrees with sanitize-html there', () => {
    const sanitized = realWorld.map((r) => sanitizeContent(r.html, BASE)).filter((h): h is string => h !== null);
    const { proven, failures } = disagreements(candidates(realWorld.map((r) => r.html), 11));
    expect(failures).toEqual([]);
    expect(proven).toBeGreaterThan(0);
    const provenSanitized = sanitized.filter((h) => isSanitizeFixpoint(h, BASE, NESTING_LIMIT)).length;
    // srcset (re-serialized by sanitize-html itself) is the one common shape it leaves to a real pass.
    expect(provenSanitized / sanitized.length).toBeGreaterThan(0.8);
  });

  it('says no to what a pass would drop or rewrite', () => {
    const no = [
      '<p>open',
      '<p>a</p><!-- comment -->',
      '<a href="https://example.com/">no rel</a>',
      '<a>no href</a>',
      '<img src="https://example.com/1.png" width="1" height="1" />',
      '<img src="https://example.com/1.png" srcset="https://example.com/2.png 2x" />',
      '<p title="">empty title</p>',
      '<p>a < b</p>',
      '<p>a &amp b</p>',
      '<p class="x">class</p>',
      '<b><i>crossed</b></i>',
      '<iframe src="https://www.youtube.com/embed/x" sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen>text</iframe>',
      `${'<div>'.repeat(300)}deep${'</div>'.repeat(300)}`,
    ];
    for (const html of no) expect({ html, proven: isSanitizeFixpoint(html, BASE, NESTING_LIMIT) }).toEqual({ html, proven: false });
    const yes = [
      '<p>a &amp; b &lt; c</p>',
      '<p>　　中文段落<strong>重点</strong></p><br /><hr />',
      '<a href="https://example.com/x?a=1&amp;b=2" rel="noopener noreferrer">link</a>',
      '<img src="https://example.com/a.png" alt="" />',
      '<video src="https://example.com/v.mp4" controls></video>',
    ];
    for (const html of yes) {
      expect({ html, proven: isSanitizeFixpoint(html, BASE, NESTING_LIMIT) }).toEqual({ html, proven: true });
      expect(realPass(html)).toBe(html);
    }
  });

  it("collects, when it proves a fixpoint, exactly the text htmlToText reads (so that parse is skipped)", () => {
    const random = prng(31);
    const inputs = [
      ...candidates(VECTORS.map((v) => v.html), 5),
      ...candidates(realWorld.map((r) => r.html), 6),
      ...candidates(Array.from({ length: 500 }, () => randomHtml(random)), 8),
    ];
    let proven = 0;
    for (const html of inputs) {
      const raw = sanitizeFixpointText(html, BASE, NESTING_LIMIT);
      if (raw === null) continue;
      proven++;
      expect(raw, html).toBe(rawTextOfHtml(html));
    }
    expect(proven).toBeGreaterThan(300);
    let collected = 0;
    for (const html of inputs) {
      const content = sanitizeContentAndText(html, BASE);
      expect(content?.html ?? null).toBe(sanitizeContent(html, BASE));
      if (content?.rawText != null) collected++;
      expect(textOfSanitized(content), html).toBe(htmlToText(content?.html ?? null));
    }
    expect(collected).toBeGreaterThan(100);
  });
});
