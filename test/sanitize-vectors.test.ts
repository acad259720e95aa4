// The sanitizer against a corpus of public bypass shapes (fixtures/normalize/xss-vectors.ts):
// every output is checked structurally (fixtures/normalize/safe-html.ts) and for idempotence.
import { describe, expect, it } from 'vitest';
import { sanitizeContent } from '../src/normalize/sanitize.ts';
import { violations } from './fixtures/normalize/safe-html.ts';
import { VECTORS } from './fixtures/normalize/xss-vectors.ts';

const BASE = 'https://example.com/post/';

describe('the structural checker', () => {
  // The checks below would prove nothing if the checker could not fail.
  it.each([
    ['<img src=x onerror=alert(1)>', /img onerror|malformed/],
    ['<img src="https://ok.example/a.png" onerror="alert(1)" />', /img onerror/],
    ['<a href="javascript:alert(1)" rel="noopener noreferrer">x</a>', /a href/],
    ['<a href="&#106;avascript:alert(1)" rel="noopener noreferrer">x</a>', /a href/],
    ['<a href="\u2028javascript:alert(1)" rel="noopener noreferrer">x</a>', /a href/],
    ['<a href="https://ok.example/">x</a>', /without rel/],
    ['<a href="https://ok.example/" rel="noopener noreferrer" target="_top">x</a>', /target/],
    ['<img src="data:image/png;base64,AAAA" />', /img src/],
    ['<img src="//evil.example/a.png" />', /img src/],
    ['<img src="https://ok.example/a.png" srcset="javascript:alert(1) 2x" />', /srcset/],
    ['<video poster="vbscript:x"></video>', /video poster/],
    ['<iframe src="https://evil.example/"></iframe>', /iframe src/],
    ['<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>', /iframe src/],
    ['<iframe src="http://www.youtube.com/embed/x"></iframe>', /iframe src/],
    ['<iframe src="https://www.youtube.com/embed/x" srcdoc="x"></iframe>', /srcdoc/],
    ['<svg></svg>', /tag <svg>/],
    ['<script>alert(1)</script>', /tag <script>/],
    ['<p style="color:red">x</p>', /p style/],
    ['<p class="x">x</p>', /attribute p class/],
    ['<!-- x -->', /comment|malformed/],
    ['<p title="<img>">x</p>', /malformed|stray/],
    ['a < b', /stray/],
    ['AT&T', /bare &/],
  ])('flags %s', (html, pattern) => {
    const found = violations(html);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(pattern);
  });

  it('accepts what the sanitizer is meant to produce', () => {
    expect(
      violations(
        '<p lang="zh-CN">AT&amp;T &lt;b&gt; 科技</p><a href="https://ok.example/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">x</a>' +
          '<img src="https://ok.example/a.png" srcset="https://ok.example/a.png 1x, https://ok.example/b.png 2x" alt="" />' +
          '<a href="mailto:a@example.com" rel="noopener noreferrer">m</a><br />' +
          '<iframe src="https://www.youtube.com/embed/x" sandbox="allow-scripts" allowfullscreen></iframe>',
      ),
    ).toEqual([]);
  });
});

describe('sanitizeContent on bypass vectors', () => {
  const kinds = [...new Set(VECTORS.map((v) => v.kind))];

  it('has a corpus worth the name', () => {
    expect(VECTORS.length).toBeGreaterThan(500);
    expect(kinds).toEqual(expect.arrayContaining(['script', 'event handler', 'url scheme', 'iframe', 'mxss']));
  });

  it.each(kinds)('%s: no executable output, idempotent', (kind) => {
    const failures: string[] = [];
    for (const { html } of VECTORS.filter((v) => v.kind === kind)) {
      const out = sanitizeContent(html, BASE);
      if (out === null) continue;
      const found = violations(out);
      if (found.length > 0) failures.push(`${JSON.stringify(html)} → ${JSON.stringify(out)}: ${found.join('; ')}`);
      const again = sanitizeContent(out, BASE);
      if (again !== out) failures.push(`${JSON.stringify(html)} not idempotent: ${JSON.stringify(out)} → ${JSON.stringify(again)}`);
      // Belt and braces, on the raw string: outside quoted values no tag holds an `on…` name.
      const tags = out.match(/<[^>]*>/g) ?? [];
      for (const tag of tags) if (/\son[a-z]+/i.test(tag.replace(/="[^"]*"/g, ''))) failures.push(`${JSON.stringify(html)} → tag ${tag}`);
    }
    expect(failures).toEqual([]);
  });

  it('keeps what is harmless around a refused vector', () => {
    expect(sanitizeContent('<p>before<img src=x onerror=alert(1)>after</p>', BASE)).toBe('<p>before<img src="https://example.com/post/x" />after</p>');
    expect(sanitizeContent('<p>abc<iframe//src=jAva&Tab;script:alert(3)>def</p>', BASE)).toBe('<p>abc</p>');
    expect(sanitizeContent('<b><noscript><a alt="</noscript><img src=x onerror=alert(1)>"></noscript>ok</b>', BASE)).toBe('<b>ok</b>');
    expect(sanitizeContent('<listing>&lt;img src=x onerror=alert(1)&gt;</listing>', BASE)).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });
});
