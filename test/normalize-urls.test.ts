// Absolute URLs, and the canonical form cross-source dedup compares.
import { describe, expect, it } from 'vitest';
import { prng } from './fixtures/normalize/html-fuzz.ts';
import { absoluteUrl, canonicalUrl } from '../src/normalize/urls.ts';

describe('absoluteUrl', () => {
  it('resolves against the first base that works and refuses non-web schemes', () => {
    expect(absoluteUrl('/a b', 'https://example.com/x/')).toBe('https://example.com/a%20b');
    expect(absoluteUrl('c', null, 'not a url', 'https://example.com/x/y')).toBe('https://example.com/x/c');
    expect(absoluteUrl('//cdn.example/a', 'http://example.com/')).toBe('http://cdn.example/a');
    expect(absoluteUrl('  https://例え.jp/パス  ')).toBe('https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9');
    expect(absoluteUrl('relative')).toBeNull();
    expect(absoluteUrl('javascript:alert(1)', 'https://example.com/')).toBeNull();
    expect(absoluteUrl('mailto:a@example.com')).toBeNull();
    expect(absoluteUrl('ftp://example.com/')).toBeNull();
    expect(absoluteUrl('http://exa mple.com/')).toBeNull();
    expect(absoluteUrl(`https://example.com/${'x'.repeat(9000)}`)).toBeNull();
    expect(absoluteUrl('')).toBeNull();
    expect(absoluteUrl(null, 'https://example.com/')).toBeNull();
  });
});

describe('canonicalUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a', 'https://example.com/a'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:8080/a', 'https://example.com:8080/a'],
    ['https://example.com./a', 'https://example.com/a'],
    ['https://user:pass@example.com/a', 'https://example.com/a'],
    ['https://example.com/a#section-2', 'https://example.com/a'],
    ['https://example.com/#!/story/1', 'https://example.com/#!/story/1'],
    ['https://example.com/#/story/1', 'https://example.com/#/story/1'],
    ['https://example.com/a?b=2&a=1&a=0', 'https://example.com/a?a=0&a=1&b=2'],
    ['https://example.com/a?utm_source=rss&utm_Medium=x&UTM_CAMPAIGN=y', 'https://example.com/a'],
    ['https://example.com/a?id=7&fbclid=1&gclid=2&spm=a.b&mc_cid=3&xtor=RSS-1&CMP=share&hmsr=x&_ga=1', 'https://example.com/a?id=7'],
    ['https://example.com/a?from=2024-01-01&ref=main&source=x&feature=y', 'https://example.com/a?feature=y&from=2024-01-01&ref=main&source=x'],
    ['https://example.com/%7euser/%2f%41', 'https://example.com/~user/%2FA'],
    ['https://münchen.de/a', 'https://xn--mnchen-3ya.de/a'],
    ['https://example.com/a?', 'https://example.com/a'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('gives one spelling to the variants republishers produce', () => {
    const variants = [
      'https://news.example/2026/11/story?utm_source=feedburner&utm_medium=feed',
      'http://NEWS.example/2026/11/story#comments',
      'https://news.example:443/2026/11/story?fbclid=IwAR0',
      'https://news.example./2026/11/story',
    ];
    expect(new Set(variants.map(canonicalUrl)).size).toBe(1);
  });

  it('keeps apart what may be different documents', () => {
    expect(canonicalUrl('https://example.com/a')).not.toBe(canonicalUrl('https://example.com/a/'));
    expect(canonicalUrl('https://example.com/a?p=1')).not.toBe(canonicalUrl('https://example.com/a?p=2'));
    expect(canonicalUrl('https://example.com/list?from=1')).not.toBe(canonicalUrl('https://example.com/list?from=2'));
    expect(canonicalUrl('https://www.example.com/a')).not.toBe(canonicalUrl('https://example.com/a'));
  });

  it('is null for what is not a web URL', () => {
    expect(canonicalUrl(null)).toBeNull();
    expect(canonicalUrl('not a url')).toBeNull();
    expect(canonicalUrl('ftp://example.com/a')).toBeNull();
  });

  it('is idempotent', () => {
    for (const url of ['HTTP://Example.COM:80/%7ea?b=%20&a=1#x', 'https://münchen.de/?q=ä&utm_x=1']) {
      const once = canonicalUrl(url);
      expect(canonicalUrl(once)).toBe(once);
    }
  });

  // The form canonicalUrl had before it skipped the setters that change nothing: every setter run.
  function canonicalUrlWithEverySetter(href: string): string | null {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.protocol = 'https:';
    url.username = '';
    url.password = '';
    if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');
    if (!/^#[!/]/.test(url.hash)) url.hash = '';
    url.pathname = url.pathname.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
      const char = String.fromCharCode(parseInt(hex, 16));
      return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex.toUpperCase()}`;
    });
    const params = [...url.searchParams.entries()].filter(([name]) => !/^utm_/i.test(name) && !['fbclid', 'spm', 'gclid'].includes(name.toLowerCase()));
    params.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
    url.search = params.length > 0 ? new URLSearchParams(params).toString() : '';
    return url.href;
  }

  it('gives what running every setter gives, on generated URLs', () => {
    const random = prng(3986);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const some = (list: readonly string[], max: number) => Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(list));
    const segments = ['a', 'B', '2026', '%7e', '%7E', '%2F', '%41', '%e4%b8%ad', '中文', 'a b', '.', '..', '%2e', '%2E%2e', '', 'x%', '%zz', 'index.html', 'p;x=1', "it's", '@', ':'];
    const params = ['a=1', 'a=0', 'b=%20', 'q=x+y', 'utm_source=rss', 'UTM_Medium=x', 'fbclid=1', 'spm=a.b', 'id=3', '', '=', 'x', 'k=%E4%B8%AD', 'from=home', 'c=a%26b'];
    let changed = 0;
    for (let i = 0; i < 20_000; i++) {
      const scheme = pick(['http', 'https', 'HTTP', 'Https', 'ftp']);
      const userinfo = pick(['', '', '', 'u@', 'u:p@', ':p@', 'u:@']);
      const host = pick(['example.com', 'Example.COM', 'example.com.', 'example.com..', 'münchen.de', 'xn--mnchen-3ya.de', '127.0.0.1', '[::1]', 'www.example.cn']);
      const port = pick(['', '', ':80', ':443', ':8080']);
      const path = random() < 0.1 ? '' : `/${some(segments, 4).join('/')}${random() < 0.3 ? '/' : ''}`;
      const query = pick(['', '', '?', `?${some(params, 4).join('&')}`, `?${some(params, 3).join('&')}&`]);
      const fragment = pick(['', '', '#', '#x', '#!/story/1', '#/s?a=1', '#top?x', '#a#b']);
      const href = `${scheme}://${userinfo}${host}${port}${path}${query}${fragment}`;
      const expected = canonicalUrlWithEverySetter(href);
      expect(canonicalUrl(href), href).toBe(expected);
      if (expected !== null && expected !== href) changed++;
    }
    // Most generated URLs have something to change, so the setters were exercised.
    expect(changed).toBeGreaterThan(10_000);
  });
});

