// The pages in a real headless Chromium (Debian's, driven by playwright-core), served over real
// HTTP on 127.0.0.1 from data polled from a real upstream on 127.0.0.1. What a reader sees is
// asserted, and that nothing hostile runs: no dialog, no console error, no page error, and the
// `window.__pwned` probes planted in the fixtures stay unset. The browser never talks to anything
// but 127.0.0.1: every other request is aborted and counted (and, belt and braces, Chromium gets
// a dead proxy and a resolver that resolves nothing, so even its own background traffic stays here).
//
// Needs `chromium` and `fonts-noto-cjk` (apt). Without Chromium the suite is skipped, saying so,
// except under CI=true, where its absence fails.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { trustedHtml } from '../src/render/html/escape.ts';
import { renderArticlePage } from '../src/render/html/pages.ts';
import { pageHeaders } from '../src/render/html/policy.ts';
import { createPGliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';
import { buildWorld, HOSTILE_TITLE_TEXT, SEED_TITLE } from './fixtures/pages/world.ts';

const CHROMIUM = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';
const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `Chromium not found at ${CHROMIUM}: install Debian's \`chromium\` and \`fonts-noto-cjk\` (apt-get install chromium fonts-noto-cjk), or set CHROMIUM_PATH`;
const SKIP = !HAVE_CHROMIUM && !IN_CI;
if (SKIP) console.warn(`pages-browser: SKIPPED — ${MISSING}. (Under CI=true this fails instead.)`);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  // Anything not on loopback goes to a port where nothing listens (loopback bypasses proxies)…
  '--proxy-server=http://127.0.0.1:9',
  // …and no name other than localhost resolves, so not even a DNS query leaves the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

const SCREENSHOT = join(tmpdir(), 'feedrelay-article-zh.png');

// Markup as if the sanitizer had let everything through: only the CSP stands in the way here.
function unsanitized(origin: string, app: string): string {
  return [
    '<p id="raw-body">Unsanitized body, for the CSP alone.</p>',
    "<script>window.__pwned='inline-script'; alert('inline-script')</script>",
    `<script src="${app}/__evil.js"></script>`,
    `<img src="${origin}/images/pixel.png" onload="window.__pwned='onload'; alert('onload')">`,
    `<img src="${app}/__missing.png" onerror="window.__pwned='onerror'; alert('onerror')">`,
    `<a id="js-link" href="javascript:window.__pwned='href';alert('href')">click me</a>`,
    `<svg onload="window.__pwned='svg'"><circle r="4"></circle></svg>`,
    `<iframe srcdoc="<script>parent.__pwned='srcdoc';alert('srcdoc')</script>"></iframe>`,
    `<iframe src="javascript:parent.__pwned='iframe-js'"></iframe>`,
    `<object data="${app}/__object"></object>`,
    `<embed src="${app}/__embed">`,
    `<link rel="stylesheet" href="${origin}/__evil.css">`,
    '<style>#raw-body { display: none }</style>',
    '<p id="styled" style="display:none">Inline style ignored.</p>',
    `<base href="${origin}/__base/">`,
    `<form id="f" action="${app}/__form" method="post"><button id="submit">send</button></form>`,
  ].join('\n');
}

interface Watch {
  dialogs: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Every request the browser made, and the ones aborted for leaving loopback. */
  requests: string[];
  /** `url errorText` of requests that failed in the browser (the CSP's refusals among them). */
  failed: string[];
}

function isLoopback(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'about:' || protocol === 'blob:') return true;
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function watchedPage(context: BrowserContext): Promise<{ page: Page; watch: Watch }> {
  const watch: Watch = { dialogs: [], consoleErrors: [], pageErrors: [], requests: [], failed: [] };
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('request', (request) => watch.requests.push(request.url()));
  page.on('requestfailed', (request) => watch.failed.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
  return { page, watch };
}

/**
 * The `__pwned` probe of the page and of each frame in it. Fixture payloads in frames write to
 * `parent`, so the main frame sees them; a frame the CSP blocked has no document to ask.
 */
async function probe(page: Page): Promise<unknown[]> {
  const read = (frame: Frame) =>
    Promise.race([
      frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned).catch(() => undefined),
      new Promise((resolve) => setTimeout(() => resolve(undefined), 1_000)),
    ]);
  return Promise.all(page.frames().map(read));
}

describe.skipIf(SKIP)(`pages in headless Chromium (${CHROMIUM})`, () => {
  let database: TestDatabase;
  let upstream: Upstream;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const external: string[] = [];
  /** Paths that reached the app's server. */
  const served: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`${MISSING} (required when CI=true)`);
    [database, upstream] = await Promise.all([createPGliteDatabase(), startUpstream()]);
    await buildWorld(database.db, upstream);

    // The real app on a real socket; a side route serves the CSP-only page with the same
    // template and headers but no sanitizer.
    let app: Hono | null = null;
    const raw = new Hono();
    raw.get('/__raw', (c) =>
      c.body(
        renderArticlePage({
          publicUrl: base,
          publicId: '00000000-0000-4000-8000-000000000000',
          title: 'CSP only',
          language: 'en',
          publishedAt: new Date('2026-01-01T00:00:00Z'),
          author: null,
          url: null,
          sources: [],
          content: trustedHtml(unsanitized(upstream.origin, base)),
          imageUrl: null,
          enclosures: [],
          categories: [],
        }).value,
        200,
        pageHeaders(),
      ),
    );
    server = await new Promise<ServerType>((resolve) => {
      const s = serve(
        {
          fetch: (req) => {
            const { pathname } = new URL(req.url);
            served.push(pathname);
            return pathname === '/__raw' ? raw.fetch(req) : app!.fetch(req);
          },
          port: 0,
          hostname: '127.0.0.1',
        },
        () => resolve(s),
      );
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app = createApp({ db: database.db, config: { publicUrl: base, adminToken: null }, log: silentLogger, now: () => new Date() });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    context = await browser.newContext({ viewport: { width: 900, height: 1400 }, locale: 'zh-CN', javaScriptEnabled: true });
    // Fail a step fast and by name rather than by the test's own timeout.
    context.setDefaultTimeout(10_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopback(url)) return route.continue();
      external.push(url);
      return route.abort('blockedbyclient');
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await Promise.all([database?.close(), upstream?.close()]);
  });

  async function articleId(title: string): Promise<string> {
    return (await database.db.selectFrom('articles').select('public_id').where('title', '=', title).executeTakeFirstOrThrow()).public_id;
  }

  it('the seed article reads as the seed page did: title, date, sources, body, centred image, way back', async () => {
    const { page, watch } = await watchedPage(context);
    const response = await page.goto(`${base}/articles/${await articleId(SEED_TITLE)}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");

    await expect.poll(() => page.locator('h1').innerText()).toBe(SEED_TITLE);
    expect(await page.locator('h1').isVisible()).toBe(true);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('p.meta time').innerText()).toBe('2022年3月9日 20:32（UTC+8）');
    expect(await page.locator('p.sources').innerText()).toBe('来源：科技日报、东方财富网');
    const body = page.locator('div.content');
    expect(await body.isVisible()).toBe(true);
    expect(await body.innerText()).toContain('去年全社会研发经费投入强度达2.21%');
    expect(await body.innerText()).toContain('（文章来源：科技日报）');
    // The stylesheet arrived through style-src 'self' and centres the image, which loaded from
    // the local upstream.
    const image = body.locator('img');
    const layout = await image.evaluate((img: HTMLImageElement) => {
      const box = img.getBoundingClientRect();
      const container = img.parentElement!.getBoundingClientRect();
      return { loaded: img.complete && img.naturalWidth > 0, left: box.left - container.left, right: container.right - box.right };
    });
    expect(layout.loaded).toBe(true);
    expect(Math.abs(layout.left - layout.right)).toBeLessThanOrEqual(1);
    expect(await page.locator('nav.back').innerText()).toBe('返回科技日报新闻｜返回Science & <Tech>｜返回首页');
    expect(await page.locator('p.original a').getAttribute('href')).toBe(`${upstream.origin}/html_News/NewsShare.html?infoCode=NW202203092303342956`);

    // Chinese is drawn with a CJK font, not empty boxes: ask the renderer which fonts it used.
    const cdp = await context.newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
    await cdp.send('CSS.enable');
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    expect(fonts.map((f) => f.familyName).join(', '), 'install fonts-noto-cjk').toMatch(/CJK|Han|WenQuanYi|Droid Sans Fallback/i);
    await cdp.detach();
    await page.screenshot({ path: SCREENSHOT });
    await page.locator('nav.back').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(tmpdir(), 'feedrelay-article-zh-end.png') });

    expect(await probe(page)).toEqual([undefined]);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.requests.every(isLoopback)).toBe(true);
    expect(watch.requests).toContain(`${upstream.origin}/images/D24860643293873320800.png`);
    await page.close();
  });

  it('the category page lists the stories and its links lead to them, with no script', async () => {
    const { page, watch } = await watchedPage(context);
    await page.goto(`${base}/category/kejiribao`, { waitUntil: 'load' });
    expect(await page.locator('h1').innerText()).toBe('科技日报新闻');
    const entries = page.locator('ul.articles > li');
    expect(await entries.count()).toBe(2);
    expect(await entries.first().innerText()).toContain(SEED_TITLE);
    expect(await entries.first().locator('p.meta').innerText()).toBe('2022年3月9日 · 科技日报、东方财富网');
    await page.screenshot({ path: join(tmpdir(), 'feedrelay-category-zh.png') });
    const feeds = await page.locator('head link[rel="alternate"]').evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
    expect(feeds).toEqual(['rss', 'atom', 'json'].map((ext) => `${base}/feeds/kejiribao.${ext}`));
    await entries.first().locator('a.title').click();
    await page.waitForURL(/\/articles\//);
    expect(await page.locator('h1').innerText()).toBe(SEED_TITLE);
    await page.locator('nav.back a', { hasText: '返回首页' }).click();
    await page.waitForURL(`${base}/`);
    expect(await page.locator('ul.categories > li').count()).toBe(5);
    await page.screenshot({ path: join(tmpdir(), 'feedrelay-home.png'), fullPage: true });

    expect(await probe(page)).toEqual([undefined]);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await page.close();
  });

  it('hostile upstream markup shows as text and never runs', async () => {
    const { page, watch } = await watchedPage(context);
    await page.goto(`${base}/articles/${await articleId(HOSTILE_TITLE_TEXT)}`, { waitUntil: 'load' });
    expect(await page.locator('h1').first().innerText()).toBe(HOSTILE_TITLE_TEXT);
    expect(await page.title()).toBe(`${HOSTILE_TITLE_TEXT} · feedrelay`);
    expect(await page.locator('div.content').innerText()).toContain('Body text survives. 😀 𠀀');
    expect(await page.getByText('Styled paragraph stays visible.').isVisible()).toBe(true);
    // The javascript: links kept their words and lost their targets; what is left to click is
    // harmless. Click every link in the body that stays on this page.
    const content = await page.locator('div.content').innerText();
    for (const words of ['javascript link', 'entity javascript link', 'tab javascript link']) expect(content).toContain(words);
    const links = page.locator('div.content a');
    for (let i = 0; i < (await links.count()); i++) {
      const href = await links.nth(i).getAttribute('href');
      expect(href === null || /^https?:\/\//.test(href), String(href)).toBe(true);
      if (href === null) await links.nth(i).click();
    }
    await sleep(200);
    expect(page.url()).toContain('/articles/');
    expect(await probe(page)).toEqual([undefined]);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await page.close();

    const list = await watchedPage(context);
    await list.page.goto(`${base}/category/hostile`, { waitUntil: 'load' });
    expect(await list.page.locator('ul.articles').innerText()).toContain(HOSTILE_TITLE_TEXT);
    expect(await probe(list.page)).toEqual([undefined]);
    expect(list.watch.dialogs).toEqual([]);
    expect(list.watch.consoleErrors).toEqual([]);
    await list.page.close();
  });

  it('even unsanitized markup runs nothing: the CSP alone blocks scripts, handlers, styles, plugins and forms', async () => {
    const { page, watch } = await watchedPage(context);
    await page.goto(`${base}/__raw`, { waitUntil: 'load' });
    await page.locator('#js-link').click();
    await sleep(300);
    expect(page.url()).toBe(`${base}/__raw`);
    // Inline <style> and style="" were refused, so both paragraphs are visible.
    expect(await page.locator('#raw-body').isVisible()).toBe(true);
    expect(await page.locator('#styled').isVisible()).toBe(true);
    expect(await probe(page)).toEqual(page.frames().map(() => undefined));

    // Last, because Playwright then waits forever for the navigation the policy refused: a form
    // post, clicked with the mouse so no Playwright call waits for it.
    await page.locator('#submit').scrollIntoViewIfNeeded();
    const button = (await page.locator('#submit').boundingBox())!;
    await page.mouse.click(button.x + button.width / 2, button.y + button.height / 2);
    await sleep(500);
    expect(page.url()).toBe(`${base}/__raw`);

    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    // Nothing the policy forbids left the browser: no script, object, embed, foreign stylesheet,
    // <base>-relative URL or form post reached a server; Chromium reports them blocked by CSP.
    for (const path of ['/__evil.js', '/__object', '/__embed', '/__form']) expect(served, path).not.toContain(path);
    for (const path of ['/__evil.css', '/__base/']) expect(upstream.hits.has(path), path).toBe(false);
    expect(watch.failed).toContain(`${base}/__evil.js csp`);
    expect(watch.failed).toContain(`${upstream.origin}/__evil.css csp`);
    const fetched = watch.requests.filter((u) => !watch.failed.some((f) => f.startsWith(`${u} `))).map((u) => new URL(u).pathname);
    expect(fetched.sort()).toEqual(['/__missing.png', '/__raw', '/assets/icon.svg', '/assets/style.css', '/images/pixel.png'].sort());
    // And the browser says why: inline script, script src, the handlers, javascript: URLs, the
    // style element and attribute, the plugins, the foreign stylesheet, <base>, the form.
    const refusals = watch.consoleErrors.filter((m) => /Content Security Policy/.test(m));
    for (const directive of ['default-src', 'style-src', 'base-uri', 'form-action']) {
      expect(refusals.some((m) => m.includes(directive)), `${directive} in ${JSON.stringify(watch.consoleErrors, null, 1)}`).toBe(true);
    }
    expect(refusals.length).toBeGreaterThanOrEqual(8);
    // The one other error is the planted image that 404s (its onerror handler was refused).
    expect(watch.consoleErrors.filter((m) => !/Content Security Policy/.test(m))).toEqual([
      'Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
    await page.close();
  });

  it('the screenshot of the Chinese article page was written', () => {
    // Look at it by hand: CJK glyphs, not boxes. Never committed.
    expect(existsSync(SCREENSHOT)).toBe(true);
    // (The first test already asked the renderer which font drew the Chinese title.)
    console.info(`pages-browser: screenshot at ${SCREENSHOT}`);
  });

  it('the browser asked for nothing outside 127.0.0.1', () => {
    expect(external).toEqual([]);
  });
});
