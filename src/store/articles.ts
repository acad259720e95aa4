// Ingest: normalized entries of one source → articles, provenance and category membership.
// Dedup order: the (source, entry) identity, then tombstones, then the canonical URL, then the
// title+content fingerprint. One transaction per batch; never held across a network fetch.
import { sql, type Kysely, type Transaction } from 'kysely';
import { leadsAgree } from '../normalize/identity.ts';
import type { NormalizedEntry } from '../normalize/index.ts';
import { bumpCategoryVersions } from './catalog.ts';
import type { Database } from './schema.ts';

export interface IngestCounts {
  new: number;
  updated: number;
  duplicate: number;
  unchanged: number;
  skipped: number;
}

export interface IngestOptions {
  now: Date;
  newId: () => string;
}

type Tx = Transaction<Database>;

export async function ingestEntries(
  db: Kysely<Database>,
  sourceId: number,
  entries: NormalizedEntry[],
  options: IngestOptions,
): Promise<IngestCounts> {
  const counts: IngestCounts = { new: 0, updated: 0, duplicate: 0, unchanged: 0, skipped: 0 };
  if (entries.length === 0) return counts;
  return db.transaction().execute(async (tx) => {
    const { now } = options;
    const known = await knownEntries(tx, sourceId, entries.map((e) => e.entryHash));
    await lockStoryKeys(tx, entries.filter((e) => !known.has(e.entryHash)));
    const tombstoned = await tombstonedKeys(tx, sourceId, entries);
    const touchedArticles = new Set<number>();
    const seenIds: number[] = [];

    for (const entry of entries) {
      const existing = known.get(entry.entryHash);
      if (existing) {
        seenIds.push(existing.articleId);
        if (existing.contentHash === entry.contentHash) {
          counts.unchanged++;
          continue;
        }
        await updateFromEntry(tx, sourceId, existing.articleId, entry, now);
        touchedArticles.add(existing.articleId);
        counts.updated++;
        continue;
      }
      if (
        tombstoned.has(`entry:${sourceId}:${entry.entryHash}`) ||
        (entry.urlHash && tombstoned.has(`url:${entry.urlHash}`)) ||
        (entry.fingerprint && tombstoned.has(`fingerprint:${entry.fingerprint}`))
      ) {
        counts.skipped++;
        continue;
      }
      const match = await findSameStory(tx, entry, now);
      let articleId: number;
      if (match !== null) {
        articleId = match;
        counts.duplicate++;
      } else {
        const created = await insertArticle(tx, sourceId, entry, options);
        if (created.inserted) counts.new++;
        else counts.duplicate++;
        articleId = created.id;
      }
      await tx
        .insertInto('article_sources')
        .values({
          source_id: sourceId,
          entry_hash: entry.entryHash,
          article_id: articleId,
          guid: entry.guid,
          link: entry.link,
          content_hash: entry.contentHash,
          first_seen_at: now,
          last_seen_at: now,
        })
        .onConflict((oc) => oc.columns(['source_id', 'entry_hash']).doNothing())
        .execute();
      touchedArticles.add(articleId);
    }

    if (seenIds.length > 0) {
      await tx
        .updateTable('article_sources')
        .set({ last_seen_at: now })
        .where('source_id', '=', sourceId)
        .where('article_id', 'in', seenIds)
        .execute();
    }
    if (touchedArticles.size > 0) await addToSourceCategories(tx, sourceId, [...touchedArticles]);
    return counts;
  });
}

/**
 * Two pollers ingesting the same story from different upstreams at once would each find no match
 * and each insert it. A transaction-scoped advisory lock per story key (fingerprint, headline,
 * URL) makes the second wait for the first to commit and then find its article. Keys are locked
 * in sorted order so two transactions never wait on each other in a cycle.
 */
async function lockStoryKeys(tx: Tx, entries: NormalizedEntry[]): Promise<void> {
  const keys = new Set<string>();
  for (const e of entries) {
    for (const key of [e.urlHash, e.fingerprint, e.titleKey]) {
      // 60 bits of the hex hash: a bigint lock id; a collision only serializes two ingests.
      if (key) keys.add(BigInt(`0x${key.slice(0, 15)}`).toString());
    }
  }
  if (keys.size === 0) return;
  const sorted = [...keys].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  await sql`SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(${sorted}::bigint[]) AS k ORDER BY 1) AS ordered`.execute(tx);
}

async function knownEntries(tx: Tx, sourceId: number, hashes: string[]) {
  const rows = await tx
    .selectFrom('article_sources')
    .select(['entry_hash', 'article_id', 'content_hash'])
    .where('source_id', '=', sourceId)
    .where('entry_hash', 'in', hashes)
    .execute();
  return new Map(rows.map((r) => [r.entry_hash, { articleId: r.article_id, contentHash: r.content_hash }]));
}

async function tombstonedKeys(tx: Tx, sourceId: number, entries: NormalizedEntry[]): Promise<Set<string>> {
  const keys = entries.flatMap((e) => [
    { kind: 'entry' as const, hash: `${sourceId}:${e.entryHash}` },
    ...(e.urlHash ? [{ kind: 'url' as const, hash: e.urlHash }] : []),
    ...(e.fingerprint ? [{ kind: 'fingerprint' as const, hash: e.fingerprint }] : []),
  ]);
  const rows = await tx
    .selectFrom('tombstones')
    .select(['kind', 'hash'])
    .where('hash', 'in', keys.map((k) => k.hash))
    .execute();
  return new Set(rows.map((r) => `${r.kind}:${r.hash}`));
}

async function findSameStory(tx: Tx, entry: NormalizedEntry, now: Date): Promise<number | null> {
  const around = (notFuture(entry.publishedAt, now) ?? now).getTime();
  if (entry.urlHash) {
    const byUrl = await tx.selectFrom('articles').select('id').where('url_hash', '=', entry.urlHash).executeTakeFirst();
    if (byUrl) return byUrl.id;
  }
  if (entry.fingerprint) {
    // Republishers carry a story within days of each other. Recurring posts with one title and
    // boilerplate body ("Weekly open thread") are new stories, so only a near date matches.
    const byFingerprint = await tx
      .selectFrom('articles')
      .select('id')
      .where('fingerprint', '=', entry.fingerprint)
      .where('published_at', '>=', new Date(around - FINGERPRINT_WINDOW_MS))
      .where('published_at', '<=', new Date(around + FINGERPRINT_WINDOW_MS))
      .orderBy('id')
      .executeTakeFirst();
    if (byFingerprint) return byFingerprint.id;
  }
  if (entry.titleKey) {
    // Republishers cut the text at different lengths, so the fingerprint can differ for one
    // story: the same headline near in time with agreeing leads is the same story too.
    const candidates = await tx
      .selectFrom('articles')
      .select(['id', 'lead_text'])
      .where('title_key', '=', entry.titleKey)
      .where('published_at', '>=', new Date(around - FINGERPRINT_WINDOW_MS))
      .where('published_at', '<=', new Date(around + FINGERPRINT_WINDOW_MS))
      .orderBy('id')
      .limit(5)
      .execute();
    const match = candidates.find((c) => leadsAgree(entry.title, entry.leadText, c.lead_text ?? ''));
    if (match) return match.id;
  }
  return null;
}

const FINGERPRINT_WINDOW_MS = 3 * 86_400_000;

// Upstream clocks drift a little; a date further ahead than this is a mistake (year 9999), and
// would pin the feed's `updated` and the item's place forever. It becomes the first-seen time.
const FUTURE_TOLERANCE_MS = 86_400_000;

function notFuture(date: Date | null, now: Date): Date | null {
  return date && date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS ? now : date;
}

function articleColumns(entry: NormalizedEntry, now: Date) {
  const published = notFuture(entry.publishedAt, now);
  const updated = notFuture(entry.updatedAt, now);
  return {
    url: entry.link,
    title: entry.title,
    summary: entry.summary,
    content_html: entry.contentHtml,
    author: entry.author,
    tags: JSON.stringify(entry.tags),
    enclosures: JSON.stringify(entry.enclosures),
    image_url: entry.imageUrl,
    published_at: published ?? now,
    updated_at: updated ?? published ?? now,
    changed_at: now,
  };
}

async function insertArticle(
  tx: Tx,
  sourceId: number,
  entry: NormalizedEntry,
  { now, newId }: IngestOptions,
): Promise<{ id: number; inserted: boolean }> {
  const published = notFuture(entry.publishedAt, now) ?? now;
  const row = await tx
    .insertInto('articles')
    .values({
      ...articleColumns(entry, now),
      public_id: newId(),
      canonical_url: entry.canonicalUrl,
      url_hash: entry.urlHash,
      fingerprint: entry.fingerprint,
      title_key: entry.titleKey,
      lead_text: entry.leadText,
      first_seen_at: now,
      // A future or bogus date must not pin an item to the top forever.
      sort_at: published.getTime() > now.getTime() ? now : published,
      first_source_id: sourceId,
    })
    .onConflict((oc) => oc.column('url_hash').where('url_hash', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row) return { id: row.id, inserted: true };
  // Another poller stored the same canonical URL between our lookup and insert.
  const existing = await tx.selectFrom('articles').select('id').where('url_hash', '=', entry.urlHash).executeTakeFirstOrThrow();
  return { id: existing.id, inserted: false };
}

async function updateFromEntry(tx: Tx, sourceId: number, articleId: number, entry: NormalizedEntry, now: Date) {
  // Only the source that carried the story first speaks for its content; others only refresh
  // their own provenance row.
  await tx
    .updateTable('articles')
    .set(articleColumns(entry, now))
    .where('id', '=', articleId)
    .where((eb) => eb.or([eb('first_source_id', '=', sourceId), eb('first_source_id', 'is', null)]))
    .execute();
  await tx
    .updateTable('article_sources')
    .set({ content_hash: entry.contentHash, link: entry.link, guid: entry.guid, last_seen_at: now })
    .where('source_id', '=', sourceId)
    .where('entry_hash', '=', entry.entryHash)
    .execute();
}

async function addToSourceCategories(tx: Tx, sourceId: number, articleIds: number[]) {
  await tx
    .insertInto('category_articles')
    .columns(['category_id', 'article_id', 'sort_at'])
    .expression((eb) =>
      eb
        .selectFrom('articles')
        .innerJoin('source_categories', (join) => join.on('source_categories.source_id', '=', sourceId))
        .where('articles.id', 'in', articleIds)
        .select(['source_categories.category_id', 'articles.id', 'articles.sort_at']),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  // An edited article shows in every category that lists it, through any source.
  const categoryIds = (
    await tx.selectFrom('category_articles').select('category_id').distinct().where('article_id', 'in', articleIds).execute()
  ).map((r) => r.category_id);
  await bumpCategoryVersions(tx, categoryIds);
}
