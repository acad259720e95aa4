// The output guards of src/render/xml.ts, value by value.
import { describe, expect, it } from 'vitest';
import { cleanText, safeDate, safeLanguage, safeLength, safeMediaType, safeUrl, xmlEscape } from '../src/render/xml.ts';

describe('cleanText / xmlEscape', () => {
  it('drops XML-forbidden and C1 controls, turns lone surrogates into U+FFFD, keeps tab/LF/CR and astral characters', () => {
    expect(cleanText('a\u0000b\u0001c\u000Bd\u000Ce\uFFFEf\uFFFFg\u0085h\u009Fi')).toBe('abcdefghi');
    expect(cleanText('\t\n\r')).toBe('\t\n\r');
    expect(cleanText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(cleanText('𠀀𪚥🎉')).toBe('𠀀𪚥🎉');
  });

  it('escapes the five XML specials', () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });
});

describe('safeUrl', () => {
  it.for([
    ['https://example.com/a?b=1&c=2#d', 'https://example.com/a?b=1&c=2#d'],
    ['HTTP://Example.COM', 'http://example.com/'],
    ['https://例子.测试/路径?q=值', 'https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E5%80%BC'],
    ['https://example.com/a|b[c]{d}^e', 'https://example.com/a%7Cb%5Bc%5D%7Bd%7D%5Ee'],
    ['https://example.com/100%?x=5%', 'https://example.com/100%25?x=5%25'],
    ['https://example.com/%E4%B8%AD', 'https://example.com/%E4%B8%AD'],
    ['https://[::1]:8080/x', 'https://[::1]:8080/x'],
  ] as const)('%s → %s', ([input, output]) => {
    expect(safeUrl(input)).toBe(output);
    expect(safeUrl(output)).toBe(output); // idempotent
  });

  it.for(['', '/relative', 'relative.html', '//example.com/x', 'javascript:alert(1)', 'data:text/html,x', 'ftp://example.com/f', 'mailto:a@b.example', 'http://', 'not a url'])(
    'refuses %j',
    (input) => {
      expect(safeUrl(input)).toBeNull();
    },
  );
});

describe('safeMediaType', () => {
  it('keeps well-formed types as the upstream gave them', () => {
    expect(safeMediaType('audio/mpeg')).toBe('audio/mpeg');
    expect(safeMediaType(' video/mp4; codecs="avc1.42E01E" ')).toBe('video/mp4; codecs="avc1.42E01E"');
    expect(safeMediaType('application/rss+xml; charset=utf-8')).toBe('application/rss+xml; charset=utf-8');
  });

  it.for(['', 'mp3', 'audio/', '/mpeg', 'audio/mpeg; charset', 'audio mpeg', 'a/b/c', null])('refuses %j', (input) => {
    expect(safeMediaType(input)).toBeNull();
  });
});

describe('safeLanguage', () => {
  it('keeps language tags, fixes underscores, refuses the rest', () => {
    expect(safeLanguage('zh-CN')).toBe('zh-CN');
    expect(safeLanguage('zh_Hans_CN')).toBe('zh-Hans-CN');
    expect(safeLanguage('en')).toBe('en');
    expect(safeLanguage('Chinese')).toBeNull();
    expect(safeLanguage('zh CN')).toBeNull();
    expect(safeLanguage('')).toBeNull();
    expect(safeLanguage(null)).toBeNull();
  });
});

describe('safeLength', () => {
  it('keeps non-negative integers only', () => {
    expect(safeLength(0)).toBe(0);
    expect(safeLength(12345678)).toBe(12345678);
    expect(safeLength(-1)).toBeNull();
    expect(safeLength(1.5)).toBeNull();
    expect(safeLength(Number.NaN)).toBeNull();
    expect(safeLength(null)).toBeNull();
  });
});

describe('safeDate', () => {
  it('keeps valid dates, falls back for invalid ones, keeps years to four digits', () => {
    const d = new Date('2026-11-02T08:30:00.123Z');
    expect(safeDate(d)).toEqual(d);
    expect(safeDate(new Date(Number.NaN), d)).toEqual(d);
    expect(safeDate(new Date(Number.NaN), new Date(Number.NaN))).toEqual(new Date(0));
    expect(safeDate(null)).toEqual(new Date(0));
    expect(safeDate(new Date('+010000-01-01T00:00:00Z')).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(safeDate(new Date(Date.UTC(-5, 0, 1))).toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });
});
