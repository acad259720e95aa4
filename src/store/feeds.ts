// Reads for the public outputs: one page of a category (or of every category), newest first.
import { sql, type Kysely } from 'kysely';
import type { Article, Database } from './schema.ts';

export interface PageCursor {
  sortAt: Date;
  articleId: number;
}

export interface ArticleSourceRow {
  articleId: number;
  sourceId: number;
  title: string;
  feedUrl: string;
  siteUrl: string | null;
}

export interface ArticlePage {
  articles: Article[];
  sources: Map<number, ArticleSourceRow[]>;
  /** Where the next (older) page starts; null on the last page. */
  next: PageCursor | null;
}

/** `categoryId` null means every category merged, each article once. */
export async function readArticlePage(
  db: Kysely<Database>,
  categoryId: number | null,
  limit: number,
  before: PageCursor | null,
): Promise<ArticlePage> {
  let articles: Article[];
  if (categoryId !== null) {
    articles = await db
      .selectFrom('category_articles as ca')
      .innerJoin('articles', 'articles.id', 'ca.article_id')
      .selectAll('articles')
      .where('ca.category_id', '=', categoryId)
      .$if(before !== null, (q) => q.where(sql<boolean>`(ca.sort_at, ca.article_id) < (${before!.sortAt}, ${before!.articleId})`))
      .orderBy('ca.sort_at', 'desc')
      .orderBy('ca.article_id', 'desc')
      .limit(limit + 1)
      .execute();
  } else {
    articles = await db
      .selectFrom('articles')
      .selectAll('articles')
      .where((eb) => eb.exists(eb.selectFrom('category_articles as ca').select('ca.article_id').whereRef('ca.article_id', '=', 'articles.id')))
      .$if(before !== null, (q) => q.where(sql<boolean>`(articles.sort_at, articles.id) < (${before!.sortAt}, ${before!.articleId})`))
      .orderBy('articles.sort_at', 'desc')
      .orderBy('articles.id', 'desc')
      .limit(limit + 1)
      .execute();
  }
  const hasMore = articles.length > limit;
  if (hasMore) articles = articles.slice(0, limit);
  const last = articles[articles.length - 1];
  return {
    articles,
    sources: await readArticleSources(db, articles.map((a) => a.id)),
    next: hasMore && last ? { sortAt: last.sort_at, articleId: last.id } : null,
  };
}

export async function readArticleSources(db: Kysely<Database>, articleIds: number[]): Promise<Map<number, ArticleSourceRow[]>> {
  const map = new Map<number, ArticleSourceRow[]>();
  if (articleIds.length === 0) return map;
  const rows = await db
    .selectFrom('article_sources as ars')
    .innerJoin('sources as s', 's.id', 'ars.source_id')
    .select([
      'ars.article_id as articleId',
      's.id as sourceId',
      sql<string>`coalesce(s.title, s.feed_title, s.url)`.as('title'),
      's.url as feedUrl',
      's.site_url as siteUrl',
    ])
    .where('ars.article_id', 'in', articleIds)
    .orderBy('ars.first_seen_at')
    .orderBy('s.id')
    .execute();
  for (const row of rows) {
    const list = map.get(row.articleId) ?? [];
    if (!list.some((r) => r.sourceId === row.sourceId)) list.push(row);
    map.set(row.articleId, list);
  }
  return map;
}

export interface FeedState {
  categoryId: number | null;
  /** Changes whenever anything the feed shows changes, in any process. */
  version: string;
  /** The earliest next poll among the feed's pollable sources: nothing new can appear before it. */
  nextPollAt: Date | null;
  /**
   * When the feed's content last changed (set with every version bump, on the database's clock):
   * its Last-Modified. Null for `all` with no categories.
   */
  changedAt: Date | null;
}

/** The version and next planned poll of a category feed (or of `all` when slug is null). */
export async function readFeedState(db: Kysely<Database>, slug: string | null): Promise<FeedState | undefined> {
  const pollable = sql<boolean>`s.deleted_at IS NULL AND s.status NOT IN ('paused', 'gone') AND (s.in_config OR s.added_by_api)`;
  if (slug === null) {
    const row = await db
      .selectFrom('categories')
      .select([
        sql<string>`coalesce(max(version), 0)::text || ':' || count(*)::text`.as('version'),
        sql<Date | null>`(SELECT min(s.next_poll_at) FROM sources s WHERE ${pollable})`.as('nextPollAt'),
        sql<Date | null>`max(content_changed_at)`.as('changedAt'),
      ])
      .executeTakeFirstOrThrow();
    return { categoryId: null, version: row.version, nextPollAt: row.nextPollAt, changedAt: row.changedAt };
  }
  const row = await db
    .selectFrom('categories as c')
    .select([
      'c.id',
      sql<string>`c.version::text`.as('version'),
      sql<Date | null>`(SELECT min(s.next_poll_at) FROM sources s JOIN source_categories sc ON sc.source_id = s.id WHERE sc.category_id = c.id AND ${pollable})`.as('nextPollAt'),
      'c.content_changed_at',
    ])
    .where('c.slug', '=', slug)
    .executeTakeFirst();
  return row
    ? { categoryId: row.id, version: `${row.id}:${row.version}`, nextPollAt: row.nextPollAt, changedAt: row.content_changed_at }
    : undefined;
}
