// Retention: articles first seen more than RETENTION_DAYS ago are deleted and leave tombstones
// (their per-source entry keys, canonical URL and fingerprint) so no poll brings them back. The
// age is first-seen, never the publication date: an old story ingested today stays.
import type { Kysely } from 'kysely';
import { bumpCategoryVersions } from './catalog.ts';
import type { Database } from './schema.ts';

const BATCH = 500;

/**
 * The oldest first-seen date of any article: an endpoint of articles_first_seen_idx, read without
 * scanning whatever the planner's statistics say. Exported for test/retention-plan.test.ts.
 */
export function oldestFirstSeen(db: Kysely<Database>) {
  return db.selectFrom('articles').select((eb) => eb.fn.min('first_seen_at').as('oldest'));
}

export async function pruneArticles(db: Kysely<Database>, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  // Almost every call (the end of each `npm run poll`, each retention run) finds nothing due. Ask
  // the index first: the batch query below, with no statistics yet (the first minutes of a
  // database, or after a large import), read the whole primary key to find that out.
  const { oldest } = (await oldestFirstSeen(db).executeTakeFirst()) ?? { oldest: null };
  if (oldest === null || oldest === undefined || new Date(oldest).getTime() >= cutoff.getTime()) return 0;
  let total = 0;
  for (;;) {
    const pruned = await db.transaction().execute(async (tx) => {
      const victims = await tx
        .selectFrom('articles')
        .select(['id', 'url_hash', 'fingerprint'])
        .where('first_seen_at', '<', cutoff)
        .orderBy('id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      if (victims.length === 0) return 0;
      const ids = victims.map((v) => v.id);
      const entries = await tx
        .selectFrom('article_sources')
        .select(['source_id', 'entry_hash'])
        .where('article_id', 'in', ids)
        .execute();
      const keys = [
        ...entries.map((e) => ({ kind: 'entry' as const, hash: `${e.source_id}:${e.entry_hash}` })),
        ...victims.flatMap((v) => (v.url_hash ? [{ kind: 'url' as const, hash: v.url_hash }] : [])),
        ...victims.flatMap((v) => (v.fingerprint ? [{ kind: 'fingerprint' as const, hash: v.fingerprint }] : [])),
      ];
      if (keys.length > 0) {
        await tx
          .insertInto('tombstones')
          .values(keys.map((k) => ({ ...k, pruned_at: now })))
          .onConflict((oc) => oc.columns(['kind', 'hash']).doNothing())
          .execute();
      }
      const categoryIds = (
        await tx.selectFrom('category_articles').select('category_id').distinct().where('article_id', 'in', ids).execute()
      ).map((r) => r.category_id);
      // article_sources and category_articles go with the article (ON DELETE CASCADE).
      await tx.deleteFrom('articles').where('id', 'in', ids).execute();
      await bumpCategoryVersions(tx, categoryIds);
      return victims.length;
    });
    total += pruned;
    if (pruned < BATCH) return total;
  }
}
