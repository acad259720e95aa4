// The HTML pages through the real app (routing via app.request), on data polled from a real
// upstream on 127.0.0.1 plus raw hostile entries; on PGlite, and on Postgres when
// TEST_DATABASE_URL is set. The browser half is test/pages-browser.test.ts.
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { IFRAME_PLAYERS } from '../src/normalize/sanitize-policy.ts';
import { CONTENT_SECURITY_POLICY } from '../src/render/html/policy.ts';
import { STYLESHEET_VERSION } from '../src/render/html/style.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';
import { buildWorld, HOSTILE_TITLE_TEXT, JS_URL_TITLE, RAW_TITLE, RAW_TITLE_SHOWN, SEED_TITLE } from './fixtures/pages/world.ts';

const PUBLIC_URL = 'http://feeds.test';

interface Element {
  name: string;
  attrs: Record<string, string>;
  /** Names of the open ancestors, outermost first. */
  path: string[];
}

/** Every element of a page with its attributes and ancestry, as an HTML parser sees it. */
function elements(page: string): Element[] {
  const out: Element[] = [];
  const stack: { name: string; cls: string }[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        out.push({ name, attrs, path: stack.map((s) => (s.cls ? `${s.name}.${s.cls}` : s.name)) });
        stack.push({ name, cls: attrs.class ?? '' });
      },
      onclosetag(name) {
        const at = stack.map((s) => s.name).lastIndexOf(name);
        if (at >= 0) stack.length = at;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(page);
  parser.end();
  return out;
}

/** Plain text of a page, entities decoded. */
function textOf(page: string): string {
  let text = '';
  const parser = new Parser({ ontext: (t) => (text += t) }, { decodeEntities: true });
  parser.write(page);
  parser.end();
  return text;
}

/** What must hold for every page, whatever upstream sent. */
function expectNoActiveContent(page: string) {
  const all = elements(page);
  const names = new Set(all.map((e) => e.name));
  for (const forbidden of ['script', 'style', 'base', 'form', 'object', 'embed', 'svg', 'math']) {
    expect(names.has(forbidden), `<${forbidden}> in page`).toBe(false);
  }
  for (const e of all) {
    for (const [name, value] of Object.entries(e.attrs)) {
      expect(name.startsWith('on'), `${e.name} has ${name}`).toBe(false);
      expect(name, `${e.name} has ${name}`).not.toBe('style');
      expect(name, `${e.name} has ${name}`).not.toBe('srcdoc');
      if (['href', 'src', 'srcset', 'poster', 'action', 'data'].includes(name)) {
        expect(value.replace(/[\s\u0000-\u001f]/g, ''), `${e.name} ${name}`).not.toMatch(/^(javascript|vbscript|data):/i);
      }
    }
    if (e.name === 'meta') expect(e.attrs['http-equiv'], 'meta http-equiv').toBeUndefined();
    if (e.name === 'iframe') {
      const src = new URL(e.attrs.src!);
      expect(src.protocol).toBe('https:');
      expect(src.pathname.startsWith(IFRAME_PLAYERS[src.hostname] ?? '\u0000'), e.attrs.src).toBe(true);
    }
  }
  expect(page.startsWith('<!doctype html>\n<html lang="')).toBe(true);
  expect(all.filter((e) => e.name === 'html')).toHaveLength(1);
  expect(all.filter((e) => e.name === 'body')).toHaveLength(1);
  expect(all.filter((e) => e.name === 'main')).toHaveLength(1);
}

function expectPageHeaders(res: Response) {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
}

describe.each(databases)('HTML pages on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let app: ReturnType<typeof createApp>;
  const get = (path: string, init?: RequestInit) => app.request(path, init);

  async function articleIdByTitle(title: string): Promise<string> {
    const row = await database.db.selectFrom('articles').select('public_id').where('title', '=', title).executeTakeFirstOrThrow();
    return row.public_id;
  }

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    await buildWorld(database.db, upstream);
    app = createApp({ db: database.db, config: { publicUrl: PUBLIC_URL, adminToken: null }, log: silentLogger, now: () => new Date() });
  });
  afterAll(async () => {
    await Promise.all([database?.close(), upstream?.close()]);
  });

  it('the CSP allows no script at all and frames only the sanitizer allowlist', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.has('script-src')).toBe(false);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:/);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('frame-src')).toEqual(Object.entries(IFRAME_PLAYERS).map(([host, path]) => `https://${host}${path}`));
    expect(directives.get('frame-src')).toContain('https://www.youtube.com/embed/');
    for (const d of ['base-uri', 'form-action', 'frame-ancestors']) expect(directives.get(d)).toEqual(["'none'"]);
  });

  it('GET / lists every category and `all`, with counts, dates and feed links', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const page = await res.text();
    expectNoActiveContent(page);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const links = elements(page);
    const hrefs = links.filter((e) => e.name === 'a').map((e) => e.attrs.href);
    for (const slug of ['kejiribao', 'science', 'hostile', 'tech', 'all']) {
      expect(hrefs).toContain(`/category/${slug}`);
      for (const ext of ['rss', 'atom', 'json']) expect(hrefs).toContain(`${PUBLIC_URL}/feeds/${slug}.${ext}`);
    }
    // Autodiscovery of the merged feed.
    const alternates = links.filter((e) => e.name === 'link' && e.attrs.rel === 'alternate');
    expect(alternates.map((e) => [e.attrs.type, e.attrs.href])).toEqual([
      ['application/rss+xml', `${PUBLIC_URL}/feeds/all.rss`],
      ['application/atom+xml', `${PUBLIC_URL}/feeds/all.atom`],
      ['application/feed+json', `${PUBLIC_URL}/feeds/all.json`],
    ]);
    const text = textOf(page);
    expect(text).toContain('科技日报新闻');
    expect(text).toContain('2 篇文章'); // kejiribao: the seed story (two carriers) and one more
    expect(text).toContain('All categories');
    expect(text).toContain('Science & <Tech>');
    expect(page).toContain('Science &amp; &lt;Tech&gt;');
    const all = await database.db.selectFrom('category_articles').select('article_id').distinct().execute();
    expect(text).toContain(`${all.length} articles`);
    // Each category block speaks its language.
    expect(links.find((e) => e.name === 'li' && e.attrs.lang === 'zh-CN')).toBeDefined();
    expect(page).toMatch(/最新 <time datetime="2022-03-09T12:32:51Z">2022年3月9日<\/time>/);
  });

  it('GET /category/{slug}: newest first, in its language, with autodiscovery', async () => {
    const res = await get('/category/kejiribao');
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const page = await res.text();
    expectNoActiveContent(page);
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('<title>科技日报新闻 · feedrelay</title>');
    const els = elements(page);
    const alternates = els.filter((e) => e.name === 'link' && e.attrs.rel === 'alternate');
    expect(alternates.map((e) => `${e.attrs.type} ${e.attrs.href}`)).toEqual([
      `application/rss+xml ${PUBLIC_URL}/feeds/kejiribao.rss`,
      `application/atom+xml ${PUBLIC_URL}/feeds/kejiribao.atom`,
      `application/feed+json ${PUBLIC_URL}/feeds/kejiribao.json`,
    ]);
    const seedId = await articleIdByTitle(SEED_TITLE);
    const titles = els.filter((e) => e.name === 'a' && e.attrs.class === 'title').map((e) => e.attrs.href);
    expect(titles[0]).toBe(`/articles/${seedId}`);
    expect(titles).toHaveLength(2);
    // Date in Beijing time for zh-CN; sources with the first carrier first.
    expect(page).toContain('<time datetime="2022-03-09T12:32:51Z">2022年3月9日</time> · 科技日报、东方财富网');
    expect(textOf(page)).toContain('返回首页');
  });

  it('/category/all is titled "All categories" and lists each story once', async () => {
    const page = await (await get('/category/all')).text();
    expect(page).toContain('<title>All categories · feedrelay</title>');
    expect(page).toContain(`href="${PUBLIC_URL}/feeds/all.atom"`);
    const ids = elements(page).filter((e) => e.attrs.class === 'title').map((e) => e.attrs.href);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = await database.db.selectFrom('category_articles').select('article_id').distinct().execute();
    expect(ids).toHaveLength(stored.length);
  });

  it('pages with the feeds\' `before` cursor and keeps `limit`', async () => {
    const seen: string[] = [];
    let path: string | null = '/category/all?limit=2';
    let pages = 0;
    while (path) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const els = elements(await res.text());
      const titles = els.filter((e) => e.attrs.class === 'title').map((e) => e.attrs.href!);
      expect(titles.length).toBeLessThanOrEqual(2);
      seen.push(...titles);
      const older = els.find((e) => e.name === 'a' && e.attrs.rel === 'next');
      const first = els.find((e) => e.name === 'a' && e.attrs.rel === 'first');
      if (pages > 0) expect(first?.attrs.href).toBe('/category/all?limit=2');
      if (older) expect(older.attrs.href).toMatch(/^\/category\/all\?limit=2&before=[A-Za-z0-9_-]+$/);
      path = older?.attrs.href ?? null;
      pages++;
    }
    const stored = await database.db.selectFrom('category_articles').select('article_id').distinct().execute();
    expect(pages).toBe(Math.ceil(stored.length / 2));
    expect(new Set(seen).size).toBe(stored.length);
  });

  it('answers bad paging parameters and unknown slugs with HTML errors', async () => {
    for (const [path, status, words] of [
      ['/category/all?limit=0', 400, 'limit: must be a whole number from 1 to 100'],
      ['/category/all?limit=101', 400, 'limit'],
      ['/category/all?before=not*a*cursor', 400, 'before: not a cursor'],
      ['/category/nope', 404, 'no category with slug &quot;nope&quot;'],
      ['/category/%3Cscript%3Ealert(1)%3C%2Fscript%3E', 404, 'no category with slug &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;'],
      ['/articles/not-a-uuid', 404, 'no article with id &quot;not-a-uuid&quot;'],
      ['/articles/00000000-0000-4000-8000-000000000000', 404, 'no article'],
      ['/articles/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E', 404, '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expectPageHeaders(res);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = await res.text();
      expectNoActiveContent(page);
      expect(page, path).toContain(words);
    }
  });

  it('GET /articles/{id} reproduces the seed page: title, date, sources, body, image, original, way back', async () => {
    const id = await articleIdByTitle(SEED_TITLE);
    const res = await get(`/articles/${id}`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const page = await res.text();
    expectNoActiveContent(page);
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain(`<h1>${SEED_TITLE}</h1>`);
    expect(page).toContain('<time datetime="2022-03-09T12:32:51Z">2022年3月9日 20:32（UTC+8）</time>');
    expect(page).toContain(`<link rel="canonical" href="${PUBLIC_URL}/articles/${id}">`);
    const els = elements(page);
    const text = textOf(page);
    // Both carriers, the first first, linked to their sites.
    const sourceLinks = els.filter((e) => e.name === 'a' && e.path.includes('p.sources')).map((e) => e.attrs.href);
    expect(sourceLinks).toEqual([`${upstream.origin}/kejiribao/`, `${upstream.origin}/mirror/`]);
    expect(text).toContain('来源：科技日报、东方财富网');
    // The body, its bold subheads, the centred image (now by the stylesheet), the source credit.
    expect(text).toContain('去年全社会研发经费投入强度达2.21%');
    expect(page).toContain('<strong>今年五方面入手加速推进科技创新中心建设 </strong>');
    const image = els.find((e) => e.name === 'img' && e.path.includes('div.content'));
    expect(image?.attrs.src).toBe(`${upstream.origin}/images/D24860643293873320800.png`);
    expect(text).toContain('（文章来源：科技日报）');
    // The original and the way back, in the category's words.
    const original = els.find((e) => e.name === 'a' && e.path.includes('p.original'));
    expect(original?.attrs.href).toBe(`${upstream.origin}/html_News/NewsShare.html?infoCode=NW202203092303342956`);
    const back = els.filter((e) => e.name === 'a' && e.path.includes('nav.back')).map((e) => e.attrs.href);
    expect(back).toEqual(['/category/kejiribao', '/category/science', '/']);
    expect(text).toContain('返回科技日报新闻｜返回Science & <Tech>｜返回首页');
  });

  it('an English category\'s article speaks English', async () => {
    const id = await articleIdByTitle('Battery breakthrough');
    const page = await (await get(`/articles/${id}`)).text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<time datetime="2026-11-03T09:30:00Z">November 3, 2026, 09:30 UTC</time>');
    expect(textOf(page)).toContain('Back to Tech | Home');
    expect(textOf(page)).toContain('Sources: Fixture Tech');
    // The enclosure is offered as a player that loads nothing until asked, and as a link.
    expect(page).toContain('<audio controls preload="none" src="http://fixture.test/audio/battery.mp3"></audio>');
  });

  it('hostile upstream markup arrives as text or not at all', async () => {
    const id = await articleIdByTitle(HOSTILE_TITLE_TEXT);
    const page = await (await get(`/articles/${id}`)).text();
    expectNoActiveContent(page);
    expect(page).toContain('<h1>&lt;img src=x onerror=alert(1)&gt; Emoji 😀 and 𠀀𠀁 astral CJK</h1>');
    expect(page).toContain('<title>&lt;img src=x onerror=alert(1)&gt; Emoji 😀 and 𠀀𠀁 astral CJK · feedrelay</title>');
    expect(page).toContain('<html lang="en-GB">');
    expect(page).toContain('Body text survives. 😀 𠀀');
    expect(page).toContain('Styled paragraph stays visible.');
    expect(page).toContain(`<a href="${upstream.origin}/hostile/" rel="noopener noreferrer">Hostile &lt;script&gt; upstream</a>`);
    // The author was markup: the normalizer made it text, shown as text.
    expect(page).toContain('<time datetime="2026-11-02T10:00:00Z">2 November 2026, 10:00 UTC</time> · alert(&quot;author&quot;) Mallory');
    // Content that tried to close the page's elements stays inside the article body.
    const heading = elements(page).filter((e) => e.name === 'h1');
    expect(heading).toHaveLength(2);
    expect(heading[1]!.path).toEqual(['html', 'body', 'main', 'article', 'div.content']);
    expect(page).not.toContain('__pwned');

    const list = await (await get('/category/hostile')).text();
    expectNoActiveContent(list);
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt; Emoji 😀 and 𠀀𠀁 astral CJK</a>');
  });

  it('stored markup the sanitizer never saw is sanitized again on the way out', async () => {
    const id = await articleIdByTitle(RAW_TITLE);
    const page = await (await get(`/articles/${id}`)).text();
    expectNoActiveContent(page);
    expect(page).not.toContain('__pwned');
    expect(page).toContain('Raw body paragraph.');
    // Control characters dropped, the rest escaped, astral CJK intact.
    expect(textOf(page)).toContain(RAW_TITLE_SHOWN);
    expect(page).toContain('Raw &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; bellunit 𠀀');
    expect(page).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(textOf(page)).toContain('Eve <eve@example.invalid>');
    // The allowlisted player stays; a look-alike host does not.
    const frames = elements(page).filter((e) => e.name === 'iframe');
    expect(frames.map((f) => f.attrs.src)).toEqual(['https://www.youtube.com/embed/dQw4w9WgXcQ']);
    // Closing tags that try to leave the body are dropped; what they wrapped stays inside it.
    expect(page).toMatch(/broken out(?:<\/footer>)?\s*<\/div>\s*<p class="original">/);
  });

  it('a javascript: original link, image or enclosure is never linked', async () => {
    const id = await articleIdByTitle(JS_URL_TITLE);
    const page = await (await get(`/articles/${id}`)).text();
    expectNoActiveContent(page);
    expect(page).not.toContain('__pwned');
    expect(elements(page).find((e) => e.attrs.class === 'original')).toBeUndefined();
    expect(page).toContain(`src="${upstream.origin}/audio/episode.mp3"`);
  });

  it('HEAD answers like GET without a body; ETags revalidate to 304', async () => {
    const id = await articleIdByTitle(SEED_TITLE);
    for (const path of ['/', '/category/kejiribao', `/articles/${id}`, '/category/all?limit=1']) {
      const full = await get(path);
      const head = await get(path, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect(await head.text()).toBe('');
      for (const name of ['content-type', 'content-security-policy', 'etag', 'cache-control', 'x-content-type-options']) {
        expect(head.headers.get(name), `${path} ${name}`).toBe(full.headers.get(name));
      }
      const etag = full.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      const again = await get(path, { headers: { 'if-none-match': `W/${etag}, "other"` } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      // An If-Modified-Since alone never earns a 304: pages are validated by their bytes.
      const ims = await get(path, { headers: { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() } });
      expect(ims.status).toBe(200);
    }
  });

  it('serves the stylesheet the pages link, cacheable for good at its version', async () => {
    const page = await (await get('/')).text();
    const link = elements(page).find((e) => e.name === 'link' && e.attrs.rel === 'stylesheet')!;
    expect(link.attrs.href).toBe(`/assets/style.css?v=${STYLESHEET_VERSION}`);
    const res = await get(link.attrs.href!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await res.text();
    expect(css).toContain('.content img');
    const unversioned = await get('/assets/style.css');
    expect(unversioned.headers.get('cache-control')).toBe('public, max-age=3600');
    const revalidated = await get('/assets/style.css', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    const head = await get(link.attrs.href!, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('leaves the JSON API error shape alone outside the pages', async () => {
    const res = await get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
