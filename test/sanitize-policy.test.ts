// What the sanitizer keeps and how: absolute URLs against the entry's base, link rel, the iframe
// allowlist, attribute values, characters XML forbids.
import { describe, expect, it } from 'vitest';
import { IFRAME_HOSTS, sanitizeContent } from '../src/normalize/sanitize.ts';
import { violations } from './fixtures/normalize/safe-html.ts';

const BASE = 'https://example.com/blog/post/';
const s = (html: string, base: string | null = BASE) => sanitizeContent(html, base);
const SANDBOX = 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen';

describe('URLs', () => {
  it('resolves relative and protocol-relative URLs against the base', () => {
    expect(s('<a href="../x?a=1&amp;b=2#f">x</a>')).toBe('<a href="https://example.com/blog/x?a=1&amp;b=2#f" rel="noopener noreferrer">x</a>');
    expect(s('<img src="//cdn.example/a.png">')).toBe('<img src="https://cdn.example/a.png" />');
    expect(s('<img src="a.png" srcset="a.png 1x, /b.png 2x">')).toBe(
      '<img src="https://example.com/blog/post/a.png" srcset="https://example.com/blog/post/a.png 1x, https://example.com/b.png 2x" />',
    );
    expect(s('<video src="v.mp4" poster="p.jpg" controls></video>')).toBe(
      '<video src="https://example.com/blog/post/v.mp4" poster="https://example.com/blog/post/p.jpg" controls></video>',
    );
    expect(s('<a href="#note">x</a>')).toBe('<a href="https://example.com/blog/post/#note" rel="noopener noreferrer">x</a>');
  });

  it('drops relative URLs when there is no base to resolve them against', () => {
    expect(s('<a href="/x">x</a><img src="a.png"><img src="https://ok.example/b.png">', null)).toBe('x<img src="https://ok.example/b.png" />');
  });

  it('keeps commas inside srcset URLs and drops malformed candidates', () => {
    expect(s('<img src="a.jpg" srcset="https://cdn.example/w_100,h_80/a.jpg 100w, https://cdn.example/w_200,h_160/a.jpg 200w">')).toBe(
      '<img src="https://example.com/blog/post/a.jpg" srcset="https://cdn.example/w_100,h_80/a.jpg 100w, https://cdn.example/w_200,h_160/a.jpg 200w" />',
    );
    expect(s('<img src="a.jpg" srcset="b.jpg 2q, c.jpg 3x">')).toBe(
      '<img src="https://example.com/blog/post/a.jpg" srcset="https://example.com/blog/post/c.jpg 3x" />',
    );
  });

  it('keeps mailto links, refuses every other scheme', () => {
    expect(s('<a href="mailto:editor@example.com">mail</a>')).toBe('<a href="mailto:editor@example.com" rel="noopener noreferrer">mail</a>');
    for (const url of ['ftp://example.com/x', 'tel:+123', 'javascript:alert(1)', 'data:text/html,x', 'about:blank', 'mailto:']) {
      expect(s(`<a href="${url}">x</a>`), url).toBe('x');
    }
  });
});

describe('links', () => {
  it('gives every link rel="noopener noreferrer" and keeps only target=_blank', () => {
    expect(s('<a href="https://ok.example/" target="_blank" rel="opener">x</a>')).toBe('<a href="https://ok.example/" target="_blank" rel="noopener noreferrer">x</a>');
    expect(s('<a href="https://ok.example/" target="_top">x</a>')).toBe('<a href="https://ok.example/" rel="noopener noreferrer">x</a>');
    expect(s('<a href="https://ok.example/" target="  _BLANK ">x</a>')).toBe('<a href="https://ok.example/" target="_blank" rel="noopener noreferrer">x</a>');
  });

  it('unwraps anchors that lost their href', () => {
    expect(s('<p><a name="top" target="_blank">anchor</a> text</p>')).toBe('<p>anchor text</p>');
  });
});

describe('iframes', () => {
  it('keeps players of allowed hosts, over https, sandboxed, without fallback content', () => {
    expect(s('<iframe src="https://www.youtube.com/embed/abc?start=5" width="560" height="315" frameborder="0" allow="autoplay">fallback <b>text</b></iframe>')).toBe(
      `<iframe src="https://www.youtube.com/embed/abc?start=5" width="560" height="315" ${SANDBOX}></iframe>`,
    );
    expect(s('<iframe src="http://player.vimeo.com/video/1"></iframe>')).toBe(`<iframe src="https://player.vimeo.com/video/1" ${SANDBOX}></iframe>`);
    expect(s('<iframe src="//player.bilibili.com/player.html?bvid=BV1"></iframe>')).toBe(`<iframe src="https://player.bilibili.com/player.html?bvid=BV1" ${SANDBOX}></iframe>`);
    expect(s('<iframe src="https://WWW.YOUTUBE.COM/embed/x"></iframe>')).toBe(`<iframe src="https://www.youtube.com/embed/x" ${SANDBOX}></iframe>`);
  });

  it('matches the parsed hostname and the player path, nothing looser', () => {
    for (const src of [
      '//www.youtube.com.evil.com/embed/x',
      'https://evil.com\\@www.youtube.com/embed/x',
      'https://www.youtube.com@evil.com/embed/x',
      'https://evil.com/www.youtube.com/embed/x',
      'https://evil.com/?u=https://www.youtube.com/embed/x',
      'https://m.youtube.com/embed/x',
      'https://www.youtube.com/watch?v=x',
      'https://www.youtube.com/redirect?q=https://evil.com',
      'https://www.youtube.com:444/embed/x',
      'javascript:alert(1)//www.youtube.com/embed/',
      'data:text/html,www.youtube.com/embed/',
    ]) {
      expect(s(`<p>a<iframe src="${src}"></iframe>b</p>`), src).toBe('<p>ab</p>');
    }
  });

  it('never keeps srcdoc, and the CSP host list is the allowlist', () => {
    expect(s('<iframe src="https://www.youtube.com/embed/x" srcdoc="<b>hi</b>"></iframe>')).not.toContain('srcdoc');
    expect(s('<iframe srcdoc="<script>alert(1)</script>"></iframe>')).toBeNull();
    expect(IFRAME_HOSTS).toContain('www.youtube.com');
    expect(IFRAME_HOSTS).not.toContain('youtube.com.evil.com');
  });
});

describe('elements and attributes', () => {
  it('keeps structure and text, drops presentation and identity attributes', () => {
    expect(s('<div class="x" id="y" style="color:red" data-x="1"><h2 align="center">T</h2><p>AT&amp;T &lt;b&gt; &nbsp;科技</p></div>')).toBe(
      '<div><h2>T</h2><p>AT&amp;T &lt;b&gt; \u00A0科技</p></div>',
    );
    expect(s('<table border="1"><tr><th scope="COL" colspan="2">h</th></tr><tr><td rowspan="x">d</td></tr></table>')).toBe(
      '<table><tr><th scope="col" colspan="2">h</th></tr><tr><td>d</td></tr></table>',
    );
    expect(s('<ol start="3" reversed type="a"><li value="7">x</li></ol><p dir="RTL" lang="ar">y</p><p lang="&quot;x">z</p>')).toBe(
      '<ol start="3" reversed type="a"><li value="7">x</li></ol><p dir="rtl" lang="ar">y</p><p>z</p>',
    );
  });

  it('drops script, style, forms and foreign content together with their content', () => {
    expect(s('<p>a</p><script>alert(1)</script><style>p{}</style><form><input value="v"><button>Go</button><select><option>o</option></select></form><svg><text>t</text></svg><math><mi>x</mi></math><p>b</p>')).toBe(
      '<p>a</p><p>b</p>',
    );
  });

  it('takes lazy-loaded images from their data- attribute and drops tracking pixels', () => {
    expect(s('<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg" alt="r">')).toBe('<img src="https://example.com/real.jpg" alt="r" />');
    expect(s('<img data-original="real.jpg">')).toBe('<img src="https://example.com/blog/post/real.jpg" />');
    expect(s('<img srcset="a.jpg 1x, b.jpg 2x">')).toBe(
      '<img src="https://example.com/blog/post/a.jpg" srcset="https://example.com/blog/post/a.jpg 1x, https://example.com/blog/post/b.jpg 2x" />',
    );
    expect(s('<p>x<img src="https://t.example/p.gif" width="1" height="1"></p>')).toBe('<p>x</p>');
    expect(s('<p>x<img alt="no source"></p>')).toBe('<p>x</p>');
  });

  it('keeps U+3000 indentation and strips what XML 1.0 forbids', () => {
    expect(s('\u3000\u3000正文第一段')).toBe('\u3000\u3000正文第一段');
    expect(s('<p>a\u0001b&#1;c\uFFFE&#xFFFF;d\uD800e&#xD800;f&#0;g</p>')).toBe('<p>abcd\uFFFDe\uFFFDf\uFFFDg</p>');
  });

  it('returns null when nothing is left', () => {
    expect(sanitizeContent(null, BASE)).toBeNull();
    expect(s('')).toBeNull();
    expect(s('  \n ')).toBeNull();
    expect(s('<script>x</script><!-- c -->')).toBeNull();
  });

  it('produces output that passes the structural checks on ordinary content', () => {
    const out = s('<figure><picture><source srcset="a.webp" type="image/webp"><img src="a.jpg" alt="A" width="640" height="480"></picture><figcaption>Cap</figcaption></figure><blockquote><p>q</p></blockquote><pre><code>x &lt; y</code></pre><details><summary>S</summary>D</details>')!;
    expect(out).toContain('<source srcset="https://example.com/blog/post/a.webp" type="image/webp" />');
    expect(violations(out)).toEqual([]);
  });
});
