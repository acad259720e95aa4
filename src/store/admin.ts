// SQL behind the admin API and the CLI: source health listings, API-made sources and links,
// categories made through the API, the fetch log, and what OPML export lists.
import { sql, type Kysely, type Transaction } from 'kysely';
import { bumpCategoryVersions } from './catalog.ts';
import type { Category, Database, Fetch, Origin, Source, SourceStatus } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface SourceLink {
  sourceId: number;
  categoryId: number;
  slug: string;
  title: string;
  origin: Origin;
}

export interface SourceHealthRow {
  source: Source;
  links: SourceLink[];
  articlesLast24h: number;
}

export interface SourceFilter {
  id?: number;
  status?: SourceStatus;
  category?: string;
}

/** Sources not deleted, with their category links and articles first seen in the last 24 h. */
export async function listSourceHealth(db: Db, now: Date, filter: SourceFilter = {}): Promise<SourceHealthRow[]> {
  const sources = await db
    .selectFrom('sources')
    .selectAll()
    .where('deleted_at', 'is', null)
    .$if(filter.id !== undefined, (q) => q.where('id', '=', filter.id!))
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.category !== undefined, (q) =>
      q.where('id', 'in', (eb) =>
        eb
          .selectFrom('source_categories as sc')
          .innerJoin('categories as c', 'c.id', 'sc.category_id')
          .select('sc.source_id')
          .where('c.slug', '=', filter.category!),
      ),
    )
    .orderBy('id')
    .execute();
  if (sources.length === 0) return [];
  const ids = sources.map((s) => s.id);
  const [links, counts] = await Promise.all([
    listLinks(db, ids),
    db
      .selectFrom('article_sources')
      .select(['source_id', sql<number>`count(*)::int`.as('n')])
      .where('source_id', 'in', ids)
      .where('first_seen_at', '>=', new Date(now.getTime() - 86_400_000))
      .groupBy('source_id')
      .execute(),
  ]);
  const countBy = new Map(counts.map((r) => [r.source_id, r.n]));
  return sources.map((source) => ({
    source,
    links: links.filter((l) => l.sourceId === source.id),
    articlesLast24h: countBy.get(source.id) ?? 0,
  }));
}

export async function listLinks(db: Db, sourceIds: number[]): Promise<SourceLink[]> {
  if (sourceIds.length === 0) return [];
  const rows = await db
    .selectFrom('source_categories as sc')
    .innerJoin('categories as c', 'c.id', 'sc.category_id')
    .select(['sc.source_id', 'sc.category_id', 'c.slug', 'c.title', 'sc.origin'])
    .where('sc.source_id', 'in', sourceIds)
    .orderBy('c.slug')
    .execute();
  return rows.map((r) => ({ sourceId: r.source_id, categoryId: r.category_id, slug: r.slug, title: r.title, origin: r.origin }));
}

/** A source that is not deleted, by id. */
export function getLiveSource(db: Db, id: number): Promise<Source | undefined> {
  return db.selectFrom('sources').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Any source (deleted ones included) whose current or configured URL is one of `urls`. */
export async function findSourcesByUrls(db: Db, urls: string[]): Promise<Source[]> {
  if (urls.length === 0) return [];
  return db
    .selectFrom('sources')
    .selectAll()
    .where((eb) => eb.or([eb('url', 'in', urls), eb('configured_url', 'in', urls)]))
    .execute();
}

export interface NewApiSource {
  url: string;
  title: string | null;
  intervalSeconds: number | null;
  /** Held by the poller that is about to run the checking fetch through the pipeline. */
  lease?: { owner: string; until: Date };
}

/** Inserts a source added through the API; undefined when its URL is already taken (a race). */
export async function insertApiSource(db: Db, s: NewApiSource): Promise<Source | undefined> {
  return db
    .insertInto('sources')
    .values({
      url: s.url,
      configured_url: s.url,
      title: s.title,
      interval_seconds: s.intervalSeconds,
      added_by_api: true,
      in_config: false,
      schedule_hints: '{}',
      lease_owner: s.lease?.owner ?? null,
      lease_until: s.lease?.until ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Brings back a source deleted through the API (same id, same articles): adding its URL again is
 * the way to undo a delete. Its health starts over.
 */
export async function restoreSource(db: Db, id: number, s: Omit<NewApiSource, 'url'>): Promise<Source> {
  return db
    .updateTable('sources')
    .set({
      deleted_at: null,
      added_by_api: true,
      status: 'ok',
      consecutive_errors: 0,
      last_error: null,
      next_poll_at: sql`now()`,
      ...(s.title !== null ? { title: s.title } : {}),
      ...(s.intervalSeconds !== null ? { interval_seconds: s.intervalSeconds } : {}),
      lease_owner: s.lease?.owner ?? null,
      lease_until: s.lease?.until ?? null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface SourceChanges {
  title?: string | null;
  intervalSeconds?: number | null;
  status?: SourceStatus;
  /** Poll as soon as a poller looks (resuming). */
  dueNow?: boolean;
  /** Bring the next poll forward to this time if it is later (a shorter interval). */
  pollNoLaterThan?: Date;
  addedByApi?: boolean;
}

export async function updateSourceRow(db: Db, id: number, changes: SourceChanges): Promise<void> {
  const set = {
    ...(changes.title !== undefined ? { title: changes.title } : {}),
    ...(changes.intervalSeconds !== undefined ? { interval_seconds: changes.intervalSeconds } : {}),
    ...(changes.status !== undefined ? { status: changes.status } : {}),
    ...(changes.status === 'ok' ? { consecutive_errors: 0 } : {}),
    ...(changes.dueNow
      ? { next_poll_at: sql<Date>`now()` }
      : changes.pollNoLaterThan
        ? { next_poll_at: sql<Date>`LEAST(next_poll_at, ${changes.pollNoLaterThan})` }
        : {}),
    ...(changes.addedByApi !== undefined ? { added_by_api: changes.addedByApi } : {}),
  };
  if (Object.keys(set).length === 0) return;
  await db
    .updateTable('sources')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/**
 * Soft delete: the row stays (feeds/ sync sees `deleted_at` and never brings it back, articles
 * keep their provenance), its category links go, any lease is dropped so no poller records it.
 * Articles already in a category stay there until retention, as for a source removed from feeds/.
 */
export async function softDeleteSource(db: Kysely<Database>, id: number, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('sources')
      .set({ deleted_at: now, lease_owner: null, lease_until: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await tx.deleteFrom('source_categories').where('source_id', '=', id).execute();
  });
}

export async function unlinkCategories(db: Db, sourceId: number, categoryIds: number[]): Promise<void> {
  if (categoryIds.length === 0) return;
  await db.deleteFrom('source_categories').where('source_id', '=', sourceId).where('category_id', 'in', categoryIds).execute();
}

export function recentFetches(db: Db, sourceId: number, limit: number): Promise<Fetch[]> {
  return db.selectFrom('fetches').selectAll().where('source_id', '=', sourceId).orderBy('id', 'desc').limit(limit).execute();
}

// --- categories ---

export interface CategoryRow {
  category: Category;
  sources: number;
}

export async function listCategoriesWithCounts(db: Db, slug?: string): Promise<CategoryRow[]> {
  const rows = await db
    .selectFrom('categories as c')
    .selectAll('c')
    .select((eb) =>
      eb
        .selectFrom('source_categories as sc')
        .innerJoin('sources as s', 's.id', 'sc.source_id')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('sc.category_id', '=', 'c.id')
        .where('s.deleted_at', 'is', null)
        .as('source_count'),
    )
    .$if(slug !== undefined, (q) => q.where('c.slug', '=', slug!))
    .orderBy('c.slug')
    .execute();
  return rows.map(({ source_count, ...category }) => ({ category, sources: source_count ?? 0 }));
}

export function categoriesBySlugs(db: Db, slugs: string[]): Promise<Category[]> {
  if (slugs.length === 0) return Promise.resolve([]);
  return db.selectFrom('categories').selectAll().where('slug', 'in', slugs).execute();
}

export interface NewCategory {
  slug: string;
  title: string;
  description: string;
  language: string | null;
}

/** Inserts a category made through the API; undefined when the slug is taken. */
export function insertApiCategory(db: Db, c: NewCategory): Promise<Category | undefined> {
  return db
    .insertInto('categories')
    .values({ ...c, origin: 'api', version: sql<number>`nextval('content_version_seq')` })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateCategoryRow(
  db: Db,
  id: number,
  changes: { title?: string; description?: string; language?: string | null },
): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db
    .updateTable('categories')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
  // The title and description are part of every rendered feed of the category.
  await bumpCategoryVersions(db, [id]);
}

/** Deletes a category, its links and its membership rows (articles stay, through other categories). */
export async function deleteCategoryRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('categories').where('id', '=', id).execute();
}

// --- OPML export ---

export interface ExportRow {
  source: Source;
  links: SourceLink[];
}

/** Every source a poller would poll (listed in feeds/ or added through the API, not deleted). */
export async function listExportableSources(db: Db): Promise<ExportRow[]> {
  const sources = await db
    .selectFrom('sources')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('in_config', '=', true), eb('added_by_api', '=', true)]))
    .orderBy('id')
    .execute();
  const links = await listLinks(
    db,
    sources.map((s) => s.id),
  );
  return sources.map((source) => ({ source, links: links.filter((l) => l.sourceId === source.id) }));
}
