// Categories and their sources: the feeds/ sync and the reads the routes need.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CategoryDefinition } from '../sources/category-file.ts';
import type { Category, Database, Source } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface SyncReport {
  categoriesCreated: number;
  categoriesUpdated: number;
  categoriesRemoved: number;
  sourcesCreated: number;
  sourcesUnlisted: number;
  /** Configured URLs an operator deleted through the API: left deleted, on purpose. */
  deletedSkipped: string[];
}

/**
 * Makes the database match feeds/: idempotent, one transaction. File categories absent from the
 * files are removed (their articles stay, through other categories and retention); sources listed
 * in no file stop being polled unless the API added them; a source the API deleted stays deleted.
 */
export async function syncCategoryDefinitions(
  db: Kysely<Database>,
  definitions: CategoryDefinition[],
): Promise<SyncReport> {
  return db.transaction().execute(async (tx) => {
    // Serialize concurrent syncs (several processes starting together).
    await sql`SELECT pg_advisory_xact_lock(7301001)`.execute(tx);
    const report: SyncReport = {
      categoriesCreated: 0,
      categoriesUpdated: 0,
      categoriesRemoved: 0,
      sourcesCreated: 0,
      sourcesUnlisted: 0,
      deletedSkipped: [],
    };
    const slugs = definitions.map((d) => d.slug);
    const removed = await tx
      .deleteFrom('categories')
      .where('origin', '=', 'file')
      .$if(slugs.length > 0, (q) => q.where('slug', 'not in', slugs))
      .executeTakeFirst();
    report.categoriesRemoved = Number(removed.numDeletedRows ?? 0);

    const listedSourceIds = new Set<number>();
    const sources = await upsertConfiguredSources(tx, definitions.flatMap((d) => d.sources), report);
    for (const def of definitions) {
      const categoryId = await upsertFileCategory(tx, def, report);
      const linked: number[] = [];
      for (const s of def.sources) {
        const source = sources.get(s.url);
        if (!source) continue;
        listedSourceIds.add(source.id);
        linked.push(source.id);
      }
      await linkSources(tx, categoryId, linked, 'file');
      // Links that came from a file no longer listing them go; links made through the API stay.
      await tx
        .deleteFrom('source_categories')
        .where('category_id', '=', categoryId)
        .where('origin', '=', 'file')
        .$if(linked.length > 0, (q) => q.where('source_id', 'not in', linked))
        .execute();
    }

    const unlisted = await tx
      .updateTable('sources')
      .set({ in_config: false, updated_at: sql`now()` })
      .where('in_config', '=', true)
      .$if(listedSourceIds.size > 0, (q) => q.where('id', 'not in', [...listedSourceIds]))
      .executeTakeFirst();
    report.sourcesUnlisted = Number(unlisted.numUpdatedRows ?? 0);
    return report;
  });
}

async function upsertFileCategory(tx: Db, def: CategoryDefinition, report: SyncReport): Promise<number> {
  const existing = await tx.selectFrom('categories').selectAll().where('slug', '=', def.slug).executeTakeFirst();
  if (!existing) {
    const row = await tx
      .insertInto('categories')
      .values({
        slug: def.slug,
        title: def.title,
        description: def.description,
        language: def.language,
        origin: 'file',
        version: sql<number>`nextval('content_version_seq')`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    report.categoriesCreated++;
    return row.id;
  }
  const changed =
    existing.title !== def.title ||
    existing.description !== def.description ||
    existing.language !== def.language ||
    existing.origin !== 'file';
  if (changed) {
    await tx
      .updateTable('categories')
      .set({
        title: def.title,
        description: def.description,
        language: def.language,
        origin: 'file',
        version: sql<number>`nextval('content_version_seq')`,
        content_changed_at: sql`statement_timestamp()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', existing.id)
      .execute();
    report.categoriesUpdated++;
  }
  return existing.id;
}

/**
 * The configured sources, created or brought in line with the files, by URL; null for a URL an
 * operator deleted through the API. A few statements whatever their number (one lookup per source
 * made every start-up with a few hundred sources cost as many round trips; docs/performance.md).
 * A URL listed in several files takes the title and interval of the last one listing it.
 */
async function upsertConfiguredSources(
  tx: Db,
  listed: { url: string; title: string | null; intervalSeconds: number | null }[],
  report: SyncReport,
): Promise<Map<string, Source | null>> {
  const wanted = new Map<string, { title: string | null; intervalSeconds: number | null }>();
  for (const s of listed) wanted.set(s.url, { title: s.title, intervalSeconds: s.intervalSeconds });
  const result = new Map<string, Source | null>();
  if (wanted.size === 0) return result;
  const urls = [...wanted.keys()];
  const rows = await tx
    .selectFrom('sources')
    .selectAll()
    .where((eb) => eb.or([eb('configured_url', 'in', urls), eb('url', 'in', urls)]))
    .orderBy('id')
    .execute();
  // A source first found by the URL it was configured with, else by the URL it polls now (after a
  // permanent redirect); the oldest such row when several match.
  const byConfigured = new Map<string, Source>();
  const byUrl = new Map<string, Source>();
  for (const row of rows) {
    if (row.configured_url !== null && !byConfigured.has(row.configured_url)) byConfigured.set(row.configured_url, row);
    if (!byUrl.has(row.url)) byUrl.set(row.url, row);
  }
  const missing: string[] = [];
  for (const [url, want] of wanted) {
    const existing = byConfigured.get(url) ?? byUrl.get(url);
    if (!existing) {
      missing.push(url);
      continue;
    }
    if (existing.deleted_at !== null) {
      report.deletedSkipped.push(url);
      result.set(url, null);
      continue;
    }
    if (!existing.in_config || existing.title !== want.title || existing.interval_seconds !== want.intervalSeconds) {
      await tx
        .updateTable('sources')
        .set({ in_config: true, title: want.title, interval_seconds: want.intervalSeconds, updated_at: sql`now()` })
        .where('id', '=', existing.id)
        .execute();
    }
    result.set(url, existing);
  }
  // In slices: a statement takes at most 65,535 parameters (6 per source).
  for (let start = 0; start < missing.length; start += 5000) {
    const created = await tx
      .insertInto('sources')
      .values(
        missing.slice(start, start + 5000).map((url) => {
          const want = wanted.get(url)!;
          return { url, configured_url: url, title: want.title, interval_seconds: want.intervalSeconds, in_config: true, schedule_hints: '{}' };
        }),
      )
      .returningAll()
      .execute();
    for (const row of created) result.set(row.url, row);
    report.sourcesCreated += created.length;
  }
  return result;
}

/** Links sources to a category and backfills the category with their existing articles. */
export async function linkSources(tx: Db, categoryId: number, sourceIds: number[], origin: 'file' | 'api'): Promise<void> {
  if (sourceIds.length === 0) return;
  const inserted = await tx
    .insertInto('source_categories')
    .values(sourceIds.map((source_id) => ({ source_id, category_id: categoryId, origin })))
    .onConflict((oc) => oc.columns(['source_id', 'category_id']).doNothing())
    .returning('source_id')
    .execute();
  if (inserted.length === 0) return;
  const newIds = inserted.map((r) => r.source_id);
  const backfilled = await tx
    .insertInto('category_articles')
    .columns(['category_id', 'article_id', 'sort_at'])
    .expression((eb) =>
      eb
        .selectFrom('article_sources')
        .innerJoin('articles', 'articles.id', 'article_sources.article_id')
        .where('article_sources.source_id', 'in', newIds)
        .select([sql<number>`${categoryId}::int`.as('category_id'), 'articles.id', 'articles.sort_at'])
        .distinct(),
    )
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(backfilled.numInsertedOrUpdatedRows ?? 0) > 0) await bumpCategoryVersions(tx, [categoryId]);
}

export async function bumpCategoryVersions(tx: Db, categoryIds: number[]): Promise<void> {
  if (categoryIds.length === 0) return;
  await tx
    .updateTable('categories')
    .set({ version: sql<number>`nextval('content_version_seq')`, content_changed_at: sql`statement_timestamp()` })
    .where('id', 'in', categoryIds)
    .execute();
}

export function listCategories(db: Db): Promise<Category[]> {
  return db.selectFrom('categories').selectAll().orderBy('slug').execute();
}

export function getCategoryBySlug(db: Db, slug: string): Promise<Category | undefined> {
  return db.selectFrom('categories').selectAll().where('slug', '=', slug).executeTakeFirst();
}
