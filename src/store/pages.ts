// Reads for the HTML pages that the feed reads (./feeds.ts) do not already cover: the category
// index with counts, one article by its public id, and the categories an article belongs to.
import { sql, type Kysely } from 'kysely';
import type { Article, Category, Database } from './schema.ts';

export interface CategorySummary {
  category: Category;
  articleCount: number;
  /** The newest article's sort time (its publication date, never later than first seen). */
  newestAt: Date | null;
}

export interface CategoryIndex {
  categories: CategorySummary[];
  /** Every category merged, each article once. */
  all: { articleCount: number; newestAt: Date | null };
}

export async function readCategoryIndex(db: Kysely<Database>): Promise<CategoryIndex> {
  // count(…)::int so pg (int8 as string unless parsed) and PGlite agree on a number.
  const rows = await db
    .selectFrom('categories as c')
    .leftJoin('category_articles as ca', 'ca.category_id', 'c.id')
    .selectAll('c')
    .select([sql<number>`count(ca.article_id)::int`.as('article_count'), sql<Date | null>`max(ca.sort_at)`.as('newest_at')])
    .groupBy('c.id')
    .orderBy('c.slug')
    .execute();
  const all = await db
    .selectFrom('category_articles')
    .select([sql<number>`count(DISTINCT article_id)::int`.as('article_count'), sql<Date | null>`max(sort_at)`.as('newest_at')])
    .executeTakeFirstOrThrow();
  return {
    categories: rows.map(({ article_count, newest_at, ...category }) => ({
      category,
      articleCount: Number(article_count),
      newestAt: newest_at === null ? null : new Date(newest_at),
    })),
    all: { articleCount: Number(all.article_count), newestAt: all.newest_at === null ? null : new Date(all.newest_at) },
  };
}

/** `publicId` must already be a well-formed UUID (the column is `uuid`; anything else is an SQL error). */
export function getArticleByPublicId(db: Kysely<Database>, publicId: string): Promise<Article | undefined> {
  return db.selectFrom('articles').selectAll().where('public_id', '=', publicId).executeTakeFirst();
}

/**
 * The categories listing an article: those reached through the source that carried it first come
 * first (they decide the page's language), then by slug.
 */
export function readArticleCategories(db: Kysely<Database>, article: Pick<Article, 'id' | 'first_source_id'>): Promise<Category[]> {
  return db
    .selectFrom('category_articles as ca')
    .innerJoin('categories as c', 'c.id', 'ca.category_id')
    .selectAll('c')
    .where('ca.article_id', '=', article.id)
    .orderBy(
      (eb) =>
        eb.exists(
          eb
            .selectFrom('source_categories as sc')
            .select('sc.category_id')
            .whereRef('sc.category_id', '=', 'c.id')
            .where('sc.source_id', '=', article.first_source_id ?? -1),
        ),
      'desc',
    )
    .orderBy('c.slug')
    .execute();
}
