// Store rows → the feed document every format renders from. Pure.
import type { ArticlePage } from '../store/feeds.ts';
import type { Category } from '../store/schema.ts';
import type { FeedDocument, FeedFormatName, FeedItem } from './model.ts';

export interface FeedScope {
  /** null for the merged `all` feed. */
  category: Pick<Category, 'slug' | 'title' | 'description' | 'language'> | null;
  publicUrl: string;
  limit: number;
  defaultLimit: number;
  /** The cursor of this page as requested (null on the first page). */
  before: string | null;
  /** The cursor for the next page (null on the last page). */
  nextCursor: string | null;
  /** When the feed's content last changed: its date when it has no items. */
  changedAt: Date;
}

const FORMATS: FeedFormatName[] = ['rss', 'atom', 'json'];

export const ALL_TITLE = 'All categories';

function feedUrl(scope: FeedScope, slug: string, format: FeedFormatName, before: string | null): string {
  const params = new URLSearchParams();
  if (scope.limit !== scope.defaultLimit) params.set('limit', String(scope.limit));
  if (before) params.set('before', before);
  const query = params.toString();
  return `${scope.publicUrl}/feeds/${slug}.${format}${query ? `?${query}` : ''}`;
}

function perFormat(fn: (format: FeedFormatName) => string): Record<FeedFormatName, string> {
  return Object.fromEntries(FORMATS.map((f) => [f, fn(f)])) as Record<FeedFormatName, string>;
}

export function articleId(publicId: string): string {
  return `urn:uuid:${publicId}`;
}

export function buildFeedDocument(page: ArticlePage, scope: FeedScope): FeedDocument {
  const slug = scope.category?.slug ?? 'all';
  const items: FeedItem[] = page.articles.map((a) => {
    const permalink = `${scope.publicUrl}/articles/${a.public_id}`;
    const sources = (page.sources.get(a.id) ?? []).map((s) => ({ title: s.title, feedUrl: s.feedUrl, siteUrl: s.siteUrl }));
    return {
      id: articleId(a.public_id),
      permalink,
      title: a.title,
      url: a.url ?? permalink,
      contentHtml: a.content_html,
      summary: a.summary,
      author: a.author,
      tags: a.tags,
      enclosures: a.enclosures,
      imageUrl: a.image_url,
      published: a.published_at,
      updated: a.updated_at,
      sources,
    };
  });
  const updated = items.length > 0 ? items.reduce((max, i) => (i.updated > max ? i.updated : max), items[0]!.updated) : scope.changedAt;
  return {
    id: `${scope.publicUrl}/feeds/${slug}`,
    title: scope.category?.title ?? ALL_TITLE,
    description: scope.category?.description || scope.category?.title || ALL_TITLE,
    language: scope.category?.language ?? null,
    homeUrl: `${scope.publicUrl}/category/${slug}`,
    selfUrls: perFormat((f) => feedUrl(scope, slug, f, scope.before)),
    firstUrls: perFormat((f) => feedUrl(scope, slug, f, null)),
    nextUrls: scope.nextCursor ? perFormat((f) => feedUrl(scope, slug, f, scope.nextCursor)) : null,
    updated,
    items,
  };
}
