// The HTML pages: plain documents that read fully without JavaScript (there is none). Pure: view
// models in, SafeHtml out. Every upstream string goes through `html`'s escaping; the article body
// is the only markup taken as is, and only after the sanitizer (see ../../routes/pages.ts).
import type { EnclosureRecord } from '../../store/schema.ts';
import { ALL_TITLE } from '../document.ts';
import { html, httpUrl, type SafeHtml } from './escape.ts';
import { DEFAULT_TAG, isoDateTime, localeFor, type Locale } from './locale.ts';
import { ICON_PATH, ICON_VERSION } from './icon.ts';
import { STYLESHEET_PATH, STYLESHEET_VERSION } from './style.ts';

export const SITE_NAME = 'feedrelay';
export const ALL_SLUG = 'all';
export { ALL_TITLE };

const FEED_FORMATS = [
  { ext: 'rss', label: 'RSS', type: 'application/rss+xml' },
  { ext: 'atom', label: 'Atom', type: 'application/atom+xml' },
  { ext: 'json', label: 'JSON Feed', type: 'application/feed+json' },
] as const;

export interface CategorySummaryView {
  slug: string;
  title: string;
  description: string;
  language: string | null;
  articleCount: number;
  newestAt: Date | null;
}

export interface HomeView {
  publicUrl: string;
  categories: CategorySummaryView[];
  /** The merged `all` pseudo-category. */
  all: { articleCount: number; newestAt: Date | null };
}

export interface ArticleListItemView {
  publicId: string;
  title: string;
  publishedAt: Date;
  sourceNames: string[];
}

export interface CategoryView {
  publicUrl: string;
  slug: string;
  title: string;
  description: string;
  language: string | null;
  articles: ArticleListItemView[];
  /** Root-relative link to the next (older) page; null on the last page. */
  olderHref: string | null;
  /** Link back to the first page, when this is not the first page. */
  newestHref: string | null;
}

export interface ArticleView {
  publicUrl: string;
  publicId: string;
  title: string;
  /** Of the article's first category: the page's language. */
  language: string | null;
  publishedAt: Date;
  author: string | null;
  /** The original story (upstream link); not linked unless http(s). */
  url: string | null;
  /** The first carrier first. */
  sources: { title: string; siteUrl: string | null }[];
  /** Sanitized body. */
  content: SafeHtml | null;
  imageUrl: string | null;
  enclosures: EnclosureRecord[];
  categories: { slug: string; title: string }[];
}

export interface ErrorView {
  status: number;
  heading: string;
  message: string;
}

interface LayoutOptions {
  lang: string;
  title: string;
  description?: string | null;
  canonical?: string | null;
  /** Feed autodiscovery for this slug. */
  feedsOf?: { slug: string; title: string; publicUrl: string } | null;
  main: SafeHtml;
}

function feedUrl(publicUrl: string, slug: string, ext: string): string {
  return `${publicUrl}/feeds/${encodeURIComponent(slug)}.${ext}`;
}

function categoryHref(slug: string): string {
  return `/category/${encodeURIComponent(slug)}`;
}

function layout(o: LayoutOptions): SafeHtml {
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${SITE_NAME}</title>
${o.description ? html`<meta name="description" content="${o.description}">\n` : ''}${
    o.canonical ? html`<link rel="canonical" href="${o.canonical}">\n` : ''
  }<link rel="stylesheet" href="${STYLESHEET_PATH}?v=${STYLESHEET_VERSION}">
<link rel="icon" type="image/svg+xml" href="${ICON_PATH}?v=${ICON_VERSION}">
${o.feedsOf ? FEED_FORMATS.map((f) => html`<link rel="alternate" type="${f.type}" title="${o.feedsOf!.title} (${f.label})" href="${feedUrl(o.feedsOf!.publicUrl, o.feedsOf!.slug, f.ext)}">\n`) : ''}</head>
<body>
<header class="site"><a href="/">${SITE_NAME}</a></header>
<main>
${o.main}
</main>
</body>
</html>
`;
}

function time(date: Date, locale: Locale, long: boolean): SafeHtml {
  return html`<time datetime="${isoDateTime(date)}">${long ? locale.formatDateTime(date) : locale.formatDate(date)}</time>`;
}

function feedLinks(publicUrl: string, slug: string, locale: Locale): SafeHtml {
  return html`<p class="feeds">${locale.messages.feeds}${locale.messages.colon}${FEED_FORMATS.map(
    (f, i) => html`${i > 0 ? ' ' : ''}<a href="${feedUrl(publicUrl, slug, f.ext)}" type="${f.type}">${f.label}</a>`,
  )}</p>`;
}

export function renderHomePage(view: HomeView): SafeHtml {
  const en = localeFor(DEFAULT_TAG);
  const summary = (s: { articleCount: number; newestAt: Date | null }, locale: Locale) =>
    html`<p class="count">${locale.messages.articleCount(s.articleCount)}${
      s.newestAt ? html` · ${locale.messages.newest} ${time(s.newestAt, locale, false)}` : ''
    }</p>`;
  const items = view.categories.map((c) => {
    const locale = localeFor(c.language);
    return html`<li lang="${locale.tag}">
<h2><a href="${categoryHref(c.slug)}">${c.title}</a></h2>
${c.description ? html`<p class="description">${c.description}</p>\n` : ''}${summary(c, locale)}
${feedLinks(view.publicUrl, c.slug, locale)}
</li>
`;
  });
  const main = html`<h1>${en.messages.categories}</h1>
<ul class="categories">
${items}<li>
<h2><a href="${categoryHref(ALL_SLUG)}">${ALL_TITLE}</a></h2>
<p class="description">Every category merged, each story once.</p>
${summary(view.all, en)}
${feedLinks(view.publicUrl, ALL_SLUG, en)}
</li>
</ul>`;
  return layout({
    lang: en.tag,
    title: en.messages.categories,
    canonical: `${view.publicUrl}/`,
    feedsOf: { slug: ALL_SLUG, title: ALL_TITLE, publicUrl: view.publicUrl },
    main,
  });
}

export function renderCategoryPage(view: CategoryView): SafeHtml {
  const locale = localeFor(view.language);
  const m = locale.messages;
  const items = view.articles.map(
    (a) => html`<li><a class="title" href="/articles/${a.publicId}">${a.title}</a>
<p class="meta">${time(a.publishedAt, locale, false)}${
      a.sourceNames.length > 0 ? html` · ${a.sourceNames.join(m.listSeparator)}` : ''
    }</p></li>
`,
  );
  const pager =
    view.olderHref || view.newestHref
      ? html`<nav class="pager">${view.newestHref ? html`<a href="${view.newestHref}" rel="first">${m.newestPage}</a>` : html`<span></span>`}${
          view.olderHref ? html`<a href="${view.olderHref}" rel="next">${m.older}</a>` : ''
        }</nav>`
      : '';
  const main = html`<h1>${view.title}</h1>
${view.description ? html`<p class="description">${view.description}</p>\n` : ''}${feedLinks(view.publicUrl, view.slug, locale)}
${view.articles.length > 0 ? html`<ul class="articles">\n${items}</ul>` : html`<p class="empty">${m.noArticles}</p>`}
${pager}
<nav class="back"><a href="/">${m.home}</a></nav>`;
  return layout({
    lang: locale.tag,
    title: view.title,
    description: view.description || null,
    canonical: `${view.publicUrl}${categoryHref(view.slug)}`,
    feedsOf: { slug: view.slug, title: view.title, publicUrl: view.publicUrl },
    main,
  });
}

function enclosure(e: EnclosureRecord, label: string): SafeHtml | '' {
  const src = httpUrl(e.url);
  if (!src) return '';
  const player = e.type?.startsWith('audio/')
    ? html`<audio controls preload="none" src="${src}"></audio>`
    : e.type?.startsWith('video/')
      ? html`<video controls preload="none" src="${src}"></video>`
      : '';
  return html`<li>${player}<a href="${src}" rel="noopener noreferrer">${label}</a>${e.type ? html` (${e.type})` : ''}</li>`;
}

export function renderArticlePage(view: ArticleView): SafeHtml {
  const locale = localeFor(view.language);
  const m = locale.messages;
  const original = httpUrl(view.url);
  const leadImage = httpUrl(view.imageUrl);
  const showLeadImage = leadImage !== null && !(view.content && /<img\b/i.test(view.content.value));
  const sources = view.sources.map((s, i) => {
    const href = httpUrl(s.siteUrl);
    const name = href ? html`<a href="${href}" rel="noopener noreferrer">${s.title}</a>` : html`<span>${s.title}</span>`;
    return i === 0 ? name : html`${m.listSeparator}${name}`;
  });
  const attachments = view.enclosures.map((e) => enclosure(e, e.url.split('/').pop() || e.url));
  const main = html`<article>
<h1>${view.title}</h1>
<p class="meta">${time(view.publishedAt, locale, true)}${view.author ? html` · ${view.author}` : ''}</p>
${sources.length > 0 ? html`<p class="sources">${m.sources}${m.colon}${sources}</p>\n` : ''}${
    showLeadImage ? html`<img class="lead-image" src="${leadImage}" alt="">\n` : ''
  }<div class="content">
${view.content ?? ''}
</div>
${attachments.some((a) => a !== '') ? html`<section class="attachments"><h2>${m.attachments}</h2><ul>${attachments}</ul></section>\n` : ''}${
    original ? html`<p class="original">${m.original}${m.colon}<a href="${original}" rel="noopener noreferrer">${original}</a></p>\n` : ''
  }</article>
<nav class="back">${view.categories.map((c) => html`<a href="${categoryHref(c.slug)}">${m.backTo(c.title)}</a>${m.navSeparator}`)}<a href="/">${m.home}</a></nav>`;
  return layout({
    lang: locale.tag,
    title: view.title,
    canonical: `${view.publicUrl}/articles/${view.publicId}`,
    main,
  });
}

export function renderErrorPage(view: ErrorView): SafeHtml {
  return layout({
    lang: DEFAULT_TAG,
    title: `${view.status} ${view.heading}`,
    main: html`<h1>${view.heading}</h1>
<p>${view.message}</p>
<nav class="back"><a href="/">Home</a></nav>`,
  });
}
