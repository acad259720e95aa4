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
    // The source row is share-locked for the whole ingest: a delete waits for it to commit, and a
    // source deleted while its fetch was in flight stores nothing (no articles outside every
    // category, no provenance of a deleted source).
    const live = await tx.selectFrom('sources').select('id').where('id', '=', sourceId).where('deleted_at', 'is', null).forShare().executeTakeFirst();
    if (!live) return counts;
    const { now } = options;
    const known = await knownEntries(tx, sourceId, entries.map((e) => e.entryHash));
    await lockStoryKeys(tx, entries.filter((e) => !known.has(e.entryHash)));
    const tombstoned = await tombstonedKeys(tx, sourceId, entries);
    const touchedArticles = new Set<number>();
    const seenIds: number[] = [];

    const fresh: NormalizedEntry[] = [];
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
      fresh.push(entry);
    }
    // New entries in a few statements whatever their number (one statement or more per entry
    // made a 50-item feed cost ~60 ms of round trips; docs/performance.md): look up every story
    // key at once, decide in entry order exactly as one-by-one lookups would (an entry can match
    // one stored earlier in the same batch), then insert articles and provenance in one statement each.
    if (fresh.length > 0) {
      const stored = await storeNewEntries(tx, sourceId, fresh, options);
      counts.new += stored.new;
      counts.duplicate += stored.duplicate;
      for (const id of stored.articleIds) touchedArticles.add(id);
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

/** An article about to be inserted by this batch; `id` is known after the insert. */
interface Planned {
  entry: NormalizedEntry;
  publishedAt: number;
  id: number | null;
  inserted: boolean;
}

interface StoredRow {
  id: number;
  published: number;
  leadText: string | null;
}

/**
 * The stored articles any of `entries` could be the same story as, by canonical URL, fingerprint or
 * headline key, fetched in one query per key kind; `find` then answers for one entry what
 * findSameStory's one-by-one queries would have, counting the articles this batch plans to insert
 * (higher ids than any stored one) as stored.
 */
async function storyIndex(tx: Tx, entries: NormalizedEntry[], now: Date) {
  const aroundOf = (entry: NormalizedEntry) => (notFuture(entry.publishedAt, now) ?? now).getTime();
  const arounds = entries.map(aroundOf);
  const lo = new Date(Math.min(...arounds) - FINGERPRINT_WINDOW_MS);
  const hi = new Date(Math.max(...arounds) + FINGERPRINT_WINDOW_MS);
  const urlHashes = [...new Set(entries.flatMap((e) => (e.urlHash ? [e.urlHash] : [])))];
  const fingerprints = [...new Set(entries.flatMap((e) => (e.fingerprint ? [e.fingerprint] : [])))];
  const titleKeys = [...new Set(entries.flatMap((e) => (e.titleKey ? [e.titleKey] : [])))];
  // One connection serves the transaction: the three lookups go one after another.
  const byUrlRows =
    urlHashes.length === 0 ? [] : await tx.selectFrom('articles').select(['id', 'url_hash']).where('url_hash', 'in', urlHashes).execute();
  const byFingerprintRows =
    fingerprints.length === 0
      ? []
      : await tx
          .selectFrom('articles')
          .select(['id', 'fingerprint', 'published_at'])
          .where('fingerprint', 'in', fingerprints)
          .where('published_at', '>=', lo)
          .where('published_at', '<=', hi)
          .orderBy('id')
          .execute();
  const byTitleRows =
    titleKeys.length === 0
      ? []
      : await tx
          .selectFrom('articles')
          .select(['id', 'title_key', 'published_at', 'lead_text'])
          .where('title_key', 'in', titleKeys)
          .where('published_at', '>=', lo)
          .where('published_at', '<=', hi)
          .orderBy('id')
          .execute();
  const byUrl = new Map(byUrlRows.map((r) => [r.url_hash!, r.id]));
  const group = <K>(rows: (StoredRow & { key: K })[]) => {
    const map = new Map<K, StoredRow[]>();
    for (const row of rows) {
      const list = map.get(row.key) ?? [];
      list.push(row);
      map.set(row.key, list);
    }
    return map;
  };
  const byFingerprint = group(byFingerprintRows.map((r) => ({ key: r.fingerprint!, id: r.id, published: r.published_at.getTime(), leadText: null })));
  const byTitle = group(byTitleRows.map((r) => ({ key: r.title_key!, id: r.id, published: r.published_at.getTime(), leadText: r.lead_text })));

  /** An existing article id, a planned article, or null (a new story). */
  function find(entry: NormalizedEntry, planned: Planned[]): number | Planned | null {
    const around = aroundOf(entry);
    const near = (published: number) => published >= around - FINGERPRINT_WINDOW_MS && published <= around + FINGERPRINT_WINDOW_MS;
    if (entry.urlHash) {
      const id = byUrl.get(entry.urlHash);
      if (id !== undefined) return id;
      const same = planned.find((p) => p.entry.urlHash === entry.urlHash);
      if (same) return same;
    }
    if (entry.fingerprint) {
      // Republishers carry a story within days of each other. Recurring posts with one title and
      // boilerplate body ("Weekly open thread") are new stories, so only a near date matches.
      const stored = byFingerprint.get(entry.fingerprint)?.find((r) => near(r.published));
      if (stored) return stored.id;
      const same = planned.find((p) => p.entry.fingerprint === entry.fingerprint && near(p.publishedAt));
      if (same) return same;
    }
    if (entry.titleKey) {
      // Republishers cut the text at different lengths, so the fingerprint can differ for one
      // story: the same headline near in time with agreeing leads is the same story too. The
      // five oldest near candidates are compared, as one query with LIMIT 5 would.
      const candidates: (StoredRow | Planned)[] = [
        ...(byTitle.get(entry.titleKey)?.filter((r) => near(r.published)) ?? []),
        ...planned.filter((p) => p.entry.titleKey === entry.titleKey && near(p.publishedAt)),
      ].slice(0, 5);
      const match = candidates.find((c) =>
        leadsAgree(entry.title, entry.leadText, 'entry' in c ? c.entry.leadText : (c.leadText ?? '')),
      );
      if (match) return 'entry' in match ? match : match.id;
    }
    return null;
  }
  return { find };
}

const FINGERPRINT_WINDOW_MS = 3 * 86_400_000;

/** Rows per multi-row insert. */
const INSERT_SLICE = 1000;

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

/** Inserts the articles and provenance rows of new entries; see ingestEntries. */
async function storeNewEntries(
  tx: Tx,
  sourceId: number,
  entries: NormalizedEntry[],
  { now, newId }: IngestOptions,
): Promise<{ new: number; duplicate: number; articleIds: number[] }> {
  const index = await storyIndex(tx, entries, now);
  const planned: Planned[] = [];
  const targets: (number | Planned)[] = [];
  for (const entry of entries) {
    const found = index.find(entry, planned);
    if (found !== null) {
      targets.push(found);
      continue;
    }
    const own: Planned = { entry, publishedAt: (notFuture(entry.publishedAt, now) ?? now).getTime(), id: null, inserted: false };
    planned.push(own);
    targets.push(own);
  }

  if (planned.length > 0) {
    const publicIds = planned.map(() => newId());
    const rows: { id: number; public_id: string }[] = [];
    // In slices: a statement takes at most 65,535 parameters (19 per article).
    for (let start = 0; start < planned.length; start += INSERT_SLICE) {
      rows.push(
        ...(await tx
          .insertInto('articles')
          .values(
            planned.slice(start, start + INSERT_SLICE).map((p, k) => {
              const published = notFuture(p.entry.publishedAt, now) ?? now;
              return {
                ...articleColumns(p.entry, now),
                public_id: publicIds[start + k]!,
                canonical_url: p.entry.canonicalUrl,
                url_hash: p.entry.urlHash,
                fingerprint: p.entry.fingerprint,
                title_key: p.entry.titleKey,
                lead_text: p.entry.leadText,
                first_seen_at: now,
                // A future or bogus date must not pin an item to the top forever.
                sort_at: published.getTime() > now.getTime() ? now : published,
                first_source_id: sourceId,
              };
            }),
          )
          .onConflict((oc) => oc.column('url_hash').where('url_hash', 'is not', null).doNothing())
          .returning(['id', 'public_id'])
          .execute()),
      );
    }
    const idByPublicId = new Map(rows.map((r) => [r.public_id, r.id]));
    planned.forEach((p, i) => {
      const id = idByPublicId.get(publicIds[i]!);
      if (id !== undefined) {
        p.id = id;
        p.inserted = true;
      }
    });
    // Another poller stored the same canonical URL between our lookup and insert.
    const lost = planned.filter((p) => p.id === null);
    if (lost.length > 0) {
      const existing = await tx
        .selectFrom('articles')
        .select(['id', 'url_hash'])
        .where('url_hash', 'in', lost.map((p) => p.entry.urlHash!))
        .execute();
      const byHash = new Map(existing.map((r) => [r.url_hash!, r.id]));
      for (const p of lost) {
        const id = byHash.get(p.entry.urlHash!);
        if (id === undefined) throw new Error(`ingest: article for ${p.entry.canonicalUrl} neither inserted nor found`);
        p.id = id;
      }
    }
  }

  let created = 0;
  let duplicate = 0;
  const articleIds = targets.map((target, i) => {
    if (typeof target === 'number') {
      duplicate++;
      return target;
    }
    if (target.entry === entries[i] && target.inserted) created++;
    else duplicate++;
    return target.id!;
  });
  for (let start = 0; start < entries.length; start += INSERT_SLICE) {
    await tx
      .insertInto('article_sources')
      .values(
        entries.slice(start, start + INSERT_SLICE).map((entry, k) => ({
          source_id: sourceId,
          entry_hash: entry.entryHash,
          article_id: articleIds[start + k]!,
          guid: entry.guid,
          link: entry.link,
          content_hash: entry.contentHash,
          first_seen_at: now,
          last_seen_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['source_id', 'entry_hash']).doNothing())
      .execute();
  }
  return { new: created, duplicate, articleIds };
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
