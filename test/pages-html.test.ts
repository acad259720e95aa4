// The page templates' building blocks, alone: the escaper, URL checks, locales and dates.
import { describe, expect, it } from 'vitest';
import { escapeText, html, httpUrl, trustedHtml } from '../src/render/html/escape.ts';
import { isoDateTime, localeFor } from '../src/render/html/locale.ts';
import { renderArticlePage, renderCategoryPage } from '../src/render/html/pages.ts';

const SEED_DATE = new Date('2022-03-09T12:32:51Z'); // 20:32:51 +0800

describe('html tagged template', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const title = `<img src=x onerror=alert(1)> "q" 'a' & more`;
    const out = html`<a title="${title}" data-x='${title}'>${title}</a>`.value;
    expect(out).toBe(
      '<a title="&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &#39;a&#39; &amp; more" ' +
        "data-x='&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &#39;a&#39; &amp; more'>" +
        '&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &#39;a&#39; &amp; more</a>',
    );
  });

  it('nests SafeHtml as is, joins arrays, skips null/undefined/false, prints numbers', () => {
    const items = ['<a>', 'b&'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>&lt;a&gt;</li><li>b&amp;</li></ul>0');
    expect(html`<div>${trustedHtml('<p>kept</p>')}</div>`.value).toBe('<div><p>kept</p></div>');
  });

  it('keeps emoji and astral CJK, drops control characters, repairs lone surrogates', () => {
    expect(escapeText('😀 𠀀𠀁 科技')).toBe('😀 𠀀𠀁 科技');
    expect(escapeText('a\u0000b\u0007c\u001Fd\u007Fe\u0085f\uFFFEg\tline\nnext')).toBe('abcdefg\tline\nnext');
    expect(escapeText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(escapeText('\uD840\uDC00')).toBe('𠀀');
  });

  it('httpUrl admits absolute http(s) only', () => {
    expect(httpUrl('https://example.org/a?b=1#c')).toBe('https://example.org/a?b=1#c');
    expect(httpUrl('HTTP://Example.ORG')).toBe('http://example.org/');
    for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JaVaScRiPt:x', 'data:text/html,x', 'vbscript:x', '//example.org/x', '/relative', 'mailto:a@b.c', '', null, undefined]) {
      expect(httpUrl(bad), String(bad)).toBeNull();
    }
  });
});

describe('locales', () => {
  it('zh-CN: Chinese chrome, Beijing time like the seed page (+0800)', () => {
    const zh = localeFor('zh-CN');
    expect(zh.tag).toBe('zh-CN');
    expect(zh.timeZone).toBe('Asia/Shanghai');
    expect(zh.formatDateTime(SEED_DATE)).toBe('2022年3月9日 20:32（UTC+8）');
    expect(zh.formatDate(SEED_DATE)).toBe('2022年3月9日');
    expect(zh.messages.backTo('科技日报新闻')).toBe('返回科技日报新闻');
    expect(zh.messages.home).toBe('返回首页');
  });

  it('Traditional Chinese, English, and tags that are missing, odd or invalid', () => {
    expect(localeFor('zh-TW').messages.home).toBe('返回首頁');
    expect(localeFor('zh-TW').formatDateTime(SEED_DATE)).toBe('2022年3月9日 20:32（UTC+8）');
    expect(localeFor('zh_cn').tag).toBe('zh-CN');
    expect(localeFor('zh').messages.backTo('科技')).toBe('返回科技');
    const en = localeFor('en');
    expect(en.formatDateTime(SEED_DATE)).toBe('March 9, 2022, 12:32 UTC');
    expect(en.messages.backTo('Tech')).toBe('Back to Tech');
    expect(localeFor('en-GB').formatDate(SEED_DATE)).toBe('9 Mar 2022');
    for (const odd of [null, '', '  ', '!!', 'not a tag at all']) expect(localeFor(odd).tag).toBe('en');
    // A language we have no words for keeps its tag and its dates, with English chrome.
    const fr = localeFor('fr-FR');
    expect(fr.tag).toBe('fr-FR');
    expect(fr.messages.home).toBe('Home');
    expect(fr.formatDateTime(SEED_DATE)).toBe('9 mars 2022, 13:32 UTC+1');
  });

  it('<time datetime> is UTC to the second', () => {
    expect(isoDateTime(new Date('2022-03-09T12:32:51.789Z'))).toBe('2022-03-09T12:32:51Z');
  });
});

describe('templates', () => {
  it('the article page escapes every upstream string and never links a non-http URL', () => {
    const page = renderArticlePage({
      publicUrl: 'http://feeds.test',
      publicId: '00000000-0000-4000-8000-000000000001',
      title: '<script>alert(1)</script>',
      language: 'zh-CN',
      publishedAt: SEED_DATE,
      author: '"><b>',
      url: 'javascript:alert(1)',
      sources: [{ title: '<i>src</i>', siteUrl: 'javascript:alert(2)' }],
      content: trustedHtml('<p>ok</p>'),
      imageUrl: 'data:image/png;base64,AAAA',
      enclosures: [{ url: 'vbscript:x', type: 'audio/mpeg', length: null }],
      categories: [{ slug: 'kejiribao', title: '科技<日报>' }],
    }).value;
    expect(page).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(page).toContain('&quot;&gt;&lt;b&gt;');
    expect(page).toContain('<span>&lt;i&gt;src&lt;/i&gt;</span>');
    expect(page).not.toMatch(/javascript:|vbscript:|data:/);
    expect(page).not.toContain('class="original"');
    expect(page).not.toContain('class="attachments"');
    expect(page).toContain('<a href="/category/kejiribao">返回科技&lt;日报&gt;</a>｜<a href="/">返回首页</a>');
  });

  it('an empty category says so, and its links are absolute where feeds need them', () => {
    const page = renderCategoryPage({
      publicUrl: 'https://relay.example',
      slug: 'empty',
      title: 'Empty',
      description: '',
      language: null,
      articles: [],
      olderHref: null,
      newestHref: null,
    }).value;
    expect(page).toContain('<p class="empty">No articles yet.</p>');
    expect(page).toContain('<link rel="alternate" type="application/atom+xml" title="Empty (Atom)" href="https://relay.example/feeds/empty.atom">');
    expect(page).not.toContain('class="pager"');
  });
});
