// Titles, authors and categories become text (the rule is documented in src/normalize/text.ts);
// character hygiene; truncation that never splits what a reader sees as one character.
import { describe, expect, it } from 'vitest';
import { htmlToText, plainText, stripForbiddenChars, truncateText } from '../src/normalize/text.ts';
import { prng } from './fixtures/normalize/html-fuzz.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

describe('plainText: markup is removed, text stays text', () => {
  it.each([
    // Real markup (the parser has undone the XML layer: this is `&lt;b&gt;` or CDATA in the feed).
    ['<b>Bold</b> news', 'Bold news'],
    ['<img src=x onerror=alert(1)>', null],
    ['Breaking: <img src=x onerror=alert(1)> story', 'Breaking: story'],
    ['<script>alert(1)</script>', 'alert(1)'],
    ['<p>One</p><p>Two</p>', 'One Two'],
    ['line<br>break', 'line break'],
    ['<!-- hidden -->Shown<?php echo 1 ?>', 'Shown'],
    // Text that looks like markup once decoded: shown literally, escaped by the renderers.
    ['&lt;img src=x onerror=alert(1)&gt;', '<img src=x onerror=alert(1)>'],
    ['&lt;b&gt;not bold&lt;/b&gt;', '<b>not bold</b>'],
    // Decoded exactly once: a triple-escaped source stays visibly escaped, as in feed readers.
    ['&amp;lt;b&amp;gt;', '&lt;b&gt;'],
    ['AT&amp;T', 'AT&T'],
    ['AT&T &copy 2026', 'AT&T © 2026'],
    ['Caf&eacute; &#x1F600; &#128512;', 'Café 😀 😀'],
    // Angle brackets that are no HTML element are text.
    ['Vector<T> and Map<K, V>', 'Vector<T> and Map<K, V>'],
    ['Box<dyn Error> in Rust', 'Box<dyn Error> in Rust'],
    ['a < b > c', 'a < b > c'],
    ['I <3 feeds', 'I <3 feeds'],
    ['x</vector>y', 'xy'],
    ['科技日报&nbsp;新闻', '科技日报 新闻'],
  ])('%j → %j', (input, expected) => {
    expect(plainText(input)).toBe(expected);
  });

  it('collapses whitespace and removes controls, BOMs and forbidden characters', () => {
    expect(plainText('  a\n\t b\u3000c\u00A0d  ')).toBe('a b c d');
    expect(plainText('x\u0000y\u0001z\u0085\uFEFF!\uFFFE')).toBe('xyz!');
    expect(plainText('lone \uD800 high, lone \uDC00 low, pair 😀')).toBe('lone \uFFFD high, lone \uFFFD low, pair 😀');
    expect(plainText('&#0;&#1;&#xD800;x')).toBe('\uFFFD\uFFFDx');
    expect(plainText('e\u0301')).toBe('\u00E9'); // NFC
    expect(plainText('   ')).toBeNull();
    expect(plainText(null)).toBeNull();
  });

  it('is bounded on pathological titles', () => {
    const started = performance.now();
    // Cut at 64 Ki code units, before the x, in the middle of a `<b>` (whose `<` is then text).
    expect(plainText('<b>'.repeat(1_000_000) + 'x')).toBe('<');
    expect(plainText('x'.repeat(10_000_000))?.length).toBe(65_536);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('never yields forbidden characters or lone surrogates', () => {
    const random = prng(7);
    const alphabet = ['a', '<', '>', '&', ';', '#', 'x', '1', 'b', '/', ' ', '\u0000', '\u0008', '\uD83D', '\uDE00', '\uFFFF', '&#xD83D;', '&#0;', '<b>', '</b>'];
    for (let i = 0; i < 2000; i++) {
      const input = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const out = plainText(input) ?? '';
      expect(out).not.toMatch(XML_FORBIDDEN);
      expect(out).not.toMatch(LONE_SURROGATE);
    }
  });
});

describe('htmlToText', () => {
  it('separates blocks and decodes once', () => {
    expect(htmlToText('<p>One</p><p>Two &amp;lt; three</p><ul><li>a</li><li>b</li></ul>')).toBe('One Two &lt; three a b');
    expect(htmlToText(null)).toBeNull();
  });
});

describe('stripForbiddenChars', () => {
  it('removes what XML 1.0 forbids and repairs lone surrogates, keeping tab, LF, CR and pairs', () => {
    expect(stripForbiddenChars('a\u0000\u0001\u0008\u000B\u000C\u000E\u001F\uFFFE\uFFFFb')).toBe('ab');
    expect(stripForbiddenChars('\t\n\r')).toBe('\t\n\r');
    expect(stripForbiddenChars('\uDC00\uD800x\uD83D\uDE00\uD800')).toBe('\uFFFD\uFFFDx😀\uFFFD');
    expect(JSON.stringify(stripForbiddenChars('\uD800'))).toBe('"\uFFFD"');
  });
});

describe('truncateText', () => {
  it('cuts between grapheme clusters and marks the cut', () => {
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('a😀b😀c', 4)).toBe('a😀b…');
    expect(truncateText('👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦x', 3)).toBe('👨‍👩‍👧‍👦👨‍👩‍👧‍👦…');
    expect(truncateText('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
    expect(truncateText('word    more', 6)).toBe('word…');
  });

  it('never splits a surrogate pair, whatever the cut', () => {
    const text = '😀a𝒳b😀😀c'.repeat(3);
    for (let max = 1; max < 25; max++) {
      const out = truncateText(text, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect([...new Intl.Segmenter().segment(out)].length).toBeLessThanOrEqual(max);
    }
  });
});
