// The HTML pages: GET /, /category/{slug} (and /category/all), /articles/{id}, and their two assets.
// No JavaScript anywhere; every response carries the CSP of ../render/html/policy.ts, errors too
// (this sub-app answers its own errors as HTML pages, not the JSON of the API routes).
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../app.ts';
import { AppError, BadRequestError, NotFoundError } from '../errors.ts';
import { sanitizeContent } from '../normalize/sanitize.ts';
import { trustedHtml, type SafeHtml } from '../render/html/escape.ts';
import {
  ALL_SLUG,
  ALL_TITLE,
  renderArticlePage,
  renderCategoryPage,
  renderErrorPage,
  renderHomePage,
} from '../render/html/pages.ts';
import { pageHeaders } from '../render/html/policy.ts';
import { ICON_BYTES, ICON_PATH, ICON_VERSION } from '../render/html/icon.ts';
import { STYLESHEET_BYTES, STYLESHEET_PATH, STYLESHEET_VERSION } from '../render/html/style.ts';
import { getCategoryBySlug } from '../store/catalog.ts';
import { readArticlePage, readArticleSources, type ArticleSourceRow } from '../store/feeds.ts';
import { getArticleByPublicId, readArticleCategories, readCategoryIndex } from '../store/pages.ts';
import { isNotModified, strongEtag } from './conditional.ts';
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, parseLimit } from './cursor.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../store/unavailable.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();
// Pages change as polls land; a minute of staleness is harmless and the ETag makes revalidation cheap.
const PAGE_CACHE_CONTROL = 'public, max-age=60';

// The same rule as the feeds' `limit`.
/** The first carrier first (provenance rows are ordered by first sight, which usually agrees). */
function firstCarrierFirst(rows: ArticleSourceRow[], firstSourceId: number | null): ArticleSourceRow[] {
  const first = rows.filter((r) => r.sourceId === firstSourceId);
  return [...first, ...rows.filter((r) => r.sourceId !== firstSourceId)];
}

// Pages and the stylesheet are validated by ETag alone: a page's bytes can change without any
// row's timestamp moving (an article pruned, a category renamed), so Last-Modified would lie.
function etagMatches(c: Context, etag: string): boolean {
  const inm = c.req.header('if-none-match');
  return inm !== undefined && isNotModified(new Headers({ 'if-none-match': inm }), etag, new Date(0));
}

function send(c: Context, page: SafeHtml, status: ContentfulStatusCode = 200): Response {
  const body = encoder.encode(page.value);
  if (status !== 200) {
    return c.body(body, status, { ...pageHeaders(), 'cache-control': 'no-store' });
  }
  const etag = strongEtag(body);
  const headers = { ...pageHeaders(), etag, 'cache-control': PAGE_CACHE_CONTROL };
  if (etagMatches(c, etag)) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
}

export function pageRoutes(deps: AppDeps) {
  const app = new Hono();
  const { publicUrl } = deps.config;

  // Static assets: pages link `?v=<hash>`; that exact version never changes, so it may be cached
  // for good, while the bare path stays revalidatable.
  const asset = (path: string, bytes: Uint8Array<ArrayBuffer>, version: string, headers: Record<string, string>) => {
    const etag = strongEtag(bytes);
    app.get(path, (c) => {
      const all = {
        ...headers,
        'x-content-type-options': 'nosniff',
        etag,
        'cache-control': c.req.query('v') === version ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      };
      if (etagMatches(c, etag)) return c.body(null, 304, all);
      return c.body(bytes, 200, all);
    });
  };
  asset(STYLESHEET_PATH, STYLESHEET_BYTES, STYLESHEET_VERSION, { 'content-type': 'text/css; charset=utf-8' });
  asset(ICON_PATH, ICON_BYTES, ICON_VERSION, {
    'content-type': 'image/svg+xml',
    // Opened on its own, an SVG is a document: it gets a policy too.
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  });

  app.get('/', async (c) => {
    const index = await readCategoryIndex(deps.db);
    return send(
      c,
      renderHomePage({
        publicUrl,
        categories: index.categories.map(({ category, articleCount, newestAt }) => ({
          slug: category.slug,
          title: category.title,
          description: category.description,
          language: category.language,
          articleCount,
          newestAt,
        })),
        all: index.all,
      }),
    );
  });

  app.get('/category/:slug', async (c) => {
    const slug = c.req.param('slug');
    const limit = parseLimit(c.req.query('limit'));
    const beforeText = c.req.query('before') ?? null;
    const before = beforeText !== null ? decodeCursor(beforeText) : null;
    const category = slug === ALL_SLUG ? null : await getCategoryBySlug(deps.db, slug);
    if (category === undefined) throw new NotFoundError(`no category with slug "${slug}"`);

    const page = await readArticlePage(deps.db, category?.id ?? null, limit, before);
    const href = (cursor: string | null) => {
      const params = new URLSearchParams();
      if (limit !== DEFAULT_LIMIT) params.set('limit', String(limit));
      if (cursor) params.set('before', cursor);
      const query = params.toString();
      return `/category/${encodeURIComponent(slug)}${query ? `?${query}` : ''}`;
    };
    return send(
      c,
      renderCategoryPage({
        publicUrl,
        slug,
        title: category?.title ?? ALL_TITLE,
        description: category?.description ?? '',
        language: category?.language ?? null,
        articles: page.articles.map((a) => ({
          publicId: a.public_id,
          title: a.title,
          publishedAt: a.published_at,
          sourceNames: firstCarrierFirst(page.sources.get(a.id) ?? [], a.first_source_id).map((s) => s.title),
        })),
        olderHref: page.next ? href(encodeCursor(page.next)) : null,
        newestHref: before ? href(null) : null,
      }),
    );
  });

  app.get('/articles/:id', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) throw new NotFoundError(`no article with id "${id}"`);
    const article = await getArticleByPublicId(deps.db, id.toLowerCase());
    if (!article) throw new NotFoundError(`no article with id "${id}"`);
    const [sources, categories] = await Promise.all([
      readArticleSources(deps.db, [article.id]),
      readArticleCategories(deps.db, article),
    ]);
    // content_html was sanitized at ingest; sanitize again on the way out (idempotent): a row
    // stored by an older, laxer sanitizer, or markup that breaks out of the page's structure, never
    // reaches a reader. The CSP is the last line behind both.
    const content = sanitizeContent(article.content_html ?? article.summary, article.url);
    return send(
      c,
      renderArticlePage({
        publicUrl,
        publicId: article.public_id,
        title: article.title,
        language: categories.find((cat) => cat.language)?.language ?? null,
        publishedAt: article.published_at,
        author: article.author,
        url: article.url,
        sources: firstCarrierFirst(sources.get(article.id) ?? [], article.first_source_id).map((s) => ({
          title: s.title,
          siteUrl: s.siteUrl,
        })),
        content: content === null ? null : trustedHtml(content),
        imageUrl: article.image_url,
        enclosures: article.enclosures,
        categories: categories.map((cat) => ({ slug: cat.slug, title: cat.title })),
      }),
    );
  });

  app.onError((error, c) => {
    if (error instanceof AppError) {
      const heading = error.status === 404 ? 'Not found' : error.status === 400 ? 'Bad request' : 'Error';
      return send(c, renderErrorPage({ status: error.status, heading, message: error.message }), error.status);
    }
    if (isDatabaseUnavailable(error)) {
      deps.log.warn('http: database unavailable', { path: c.req.path, error: error.message });
      c.header('Retry-After', String(DATABASE_UNAVAILABLE.retryAfterSeconds));
      return send(c, renderErrorPage({ status: 503, heading: 'Temporarily unavailable', message: DATABASE_UNAVAILABLE.message }), 503);
    }
    deps.log.error('http: unhandled error', { path: c.req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return send(c, renderErrorPage({ status: 500, heading: 'Internal error', message: 'Something went wrong; try again later.' }), 500);
  });
  return app;
}
