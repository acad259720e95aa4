// Ingest: normalized entries of one source → articles, provenance and category membership.
// Dedup order: the (source, entry) identity, then tombstones, then the canonical URL, then the
// title+content fingerprint. One transaction per batch; never held across a network fetch.
import { sql, type Kysely, type Transaction } from 'kysely';
import { leadsAgree } from '../normalize/identity.ts';
import type { NormalizedEntry } from '../normalize/index.ts';
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
    const first = await liveKnownTombstoned(tx, sourceId, entries);
    if (!first) return counts;
    const { known, tombstoned } = first;
    const { now } = options;
    await lockStoryKeys(tx, entries.filter((e) => !known.has(e.entryHash)));
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
    // one stored earlier in the same batch), then insert the articles in one statement; their
    // provenance goes with the ingest's last statement.
    let provenance: Provenance[] = [];
    let insertedIds: number[] = [];
    if (fresh.length > 0) {
      const stored = await storeNewEntries(tx, sourceId, fresh, options);
      counts.new += stored.new;
      counts.duplicate += stored.duplicate;
      provenance = stored.provenance;
      insertedIds = stored.insertedIds;
      for (const p of provenance) touchedArticles.add(p.articleId);
    }
    if (provenance.length > 0 || seenIds.length > 0) {
      const inserted = new Set(insertedIds);
      const listedBefore = [...touchedArticles].filter((id) => !inserted.has(id));
      await finishIngest(tx, sourceId, provenance, seenIds, [...touchedArticles], listedBefore, now);
    }
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
  const keys = new Set<bigint>();
  for (const e of entries) {
    for (const key of [e.urlHash, e.fingerprint, e.titleKey]) {
      // 60 bits of the hex hash: a bigint lock id; a collision only serializes two ingests.
      if (key) keys.add(BigInt(`0x${key.slice(0, 15)}`));
    }
  }
  if (keys.size === 0) return;
  // Each key read once (the comparator used to parse both of its keys again at every comparison).
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  await sql`SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(${sorted}::bigint[]) AS k ORDER BY 1) AS ordered`.execute(tx);
}

type Known = Map<string, { articleId: number; contentHash: string }>;

/**
 * The ingest's first statement, three reads in one round trip (docs/performance.md):
 *
 * - the source row, share-locked for the whole ingest: a delete waits for it to commit, and a
 *   source deleted while its fetch was in flight stores nothing (no articles outside every
 *   category, no provenance of a deleted source) — null then;
 * - the entries this source already carried (by entry hash);
 * - the tombstones of any entry's keys (entry, canonical URL, fingerprint), each kind looked up
 *   with its kind so that the (kind, hash) primary key serves it.
 *
 * Reading the last two in the lock's statement rather than after it changes nothing they can see:
 * only transactions updating the source row make the lock wait, and none of them writes this
 * source's provenance or tombstones. Neither do the ingests whose story-key locks are taken next,
 * so the tombstones need not be read after those either (retention takes no such lock).
 */
async function liveKnownTombstoned(tx: Tx, sourceId: number, entries: NormalizedEntry[]): Promise<{ known: Known; tombstoned: Set<string> } | null> {
  const entryKeys = entries.map((e) => `${sourceId}:${e.entryHash}`);
  const urlHashes = entries.flatMap((e) => (e.urlHash ? [e.urlHash] : []));
  const fingerprints = entries.flatMap((e) => (e.fingerprint ? [e.fingerprint] : []));
  const rows = (
    await sql<{ kind: string; hash: string | null; article_id: number | null; content_hash: string | null }>`
      WITH live AS (SELECT id FROM sources WHERE id = ${sourceId} AND deleted_at IS NULL FOR SHARE)
      SELECT 'live' AS kind, NULL AS hash, NULL::bigint AS article_id, NULL AS content_hash FROM live
      UNION ALL
      SELECT 'known', entry_hash, article_id, content_hash FROM article_sources
      WHERE source_id = ${sourceId} AND entry_hash = ANY(${entries.map((e) => e.entryHash)}::text[])
      UNION ALL
      SELECT 'tombstone:' || kind, hash, NULL, NULL FROM tombstones
      WHERE (kind = 'entry' AND hash = ANY(${entryKeys}::text[]))
        OR (kind = 'url' AND hash = ANY(${urlHashes}::text[]))
        OR (kind = 'fingerprint' AND hash = ANY(${fingerprints}::text[]))`.execute(tx)
  ).rows;
  if (!rows.some((r) => r.kind === 'live')) return null;
  const known: Known = new Map();
  const tombstoned = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'known') known.set(r.hash!, { articleId: r.article_id!, contentHash: r.content_hash! });
    else if (r.kind !== 'live') tombstoned.add(`${r.kind.slice('tombstone:'.length)}:${r.hash}`);
  }
  return { known, tombstoned };
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
 * The three story-key lookups of a batch in one statement (one round trip instead of three;
 * docs/performance.md), each arm as its own query would be, in id order as those were. Null when
 * no entry has a key. Exported for test/ingest-plans.test.ts, which checks every arm is an index
 * scan on a table the planner has no statistics for.
 */
export function storyLookup(entries: NormalizedEntry[], now: Date) {
  const arounds = entries.map((entry) => aroundOf(entry, now));
  const lo = new Date(Math.min(...arounds) - FINGERPRINT_WINDOW_MS);
  const hi = new Date(Math.max(...arounds) + FINGERPRINT_WINDOW_MS);
  const urlHashes = [...new Set(entries.flatMap((e) => (e.urlHash ? [e.urlHash] : [])))];
  const fingerprints = [...new Set(entries.flatMap((e) => (e.fingerprint ? [e.fingerprint] : [])))];
  const titleKeys = [...new Set(entries.flatMap((e) => (e.titleKey ? [e.titleKey] : [])))];
  if (urlHashes.length + fingerprints.length + titleKeys.length === 0) return null;
  return sql<{ kind: 'url' | 'fingerprint' | 'title'; id: number; key: string; published_at: Date | null; lead_text: string | null }>`
    SELECT 'url' AS kind, id, url_hash AS key, NULL::timestamptz AS published_at, NULL AS lead_text
    FROM articles WHERE url_hash = ANY(${urlHashes}::text[])
    UNION ALL
    SELECT 'fingerprint', id, fingerprint, published_at, NULL
    FROM articles WHERE fingerprint = ANY(${fingerprints}::text[]) AND published_at >= ${lo} AND published_at <= ${hi}
    UNION ALL
    SELECT 'title', id, title_key, published_at, lead_text
    FROM articles WHERE title_key = ANY(${titleKeys}::text[]) AND published_at >= ${lo} AND published_at <= ${hi}
    ORDER BY id`;
}

/** Where a story sits in time for the date windows: its publication date, or now when absent or in the future. */
function aroundOf(entry: NormalizedEntry, now: Date): number {
  return (notFuture(entry.publishedAt, now) ?? now).getTime();
}

/**
 * The stored articles any of `entries` could be the same story as, by canonical URL, fingerprint or
 * headline key (storyLookup); `find` then answers for one entry what findSameStory's one-by-one
 * queries would have, counting the articles this batch plans to insert (higher ids than any stored
 * one) as stored.
 */
async function storyIndex(tx: Tx, entries: NormalizedEntry[], now: Date) {
  const lookup = storyLookup(entries, now);
  const rows = lookup === null ? [] : (await lookup.execute(tx)).rows;
  const byUrl = new Map<string, number>();
  const byFingerprint = new Map<string, StoredRow[]>();
  const byTitle = new Map<string, StoredRow[]>();
  for (const r of rows) {
    if (r.kind === 'url') {
      byUrl.set(r.key, r.id);
      continue;
    }
    const map = r.kind === 'fingerprint' ? byFingerprint : byTitle;
    const list = map.get(r.key) ?? [];
    list.push({ id: r.id, published: r.published_at!.getTime(), leadText: r.lead_text });
    map.set(r.key, list);
  }

  /** An existing article id, a planned article, or null (a new story). */
  function find(entry: NormalizedEntry, planned: Planned[]): number | Planned | null {
    const around = aroundOf(entry, now);
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

/** Inserts the articles of new entries and says which article each entry is; see ingestEntries. */
async function storeNewEntries(
  tx: Tx,
  sourceId: number,
  entries: NormalizedEntry[],
  { now, newId }: IngestOptions,
): Promise<{ new: number; duplicate: number; provenance: Provenance[]; insertedIds: number[] }> {
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
    // As columns of arrays (unnest), not a VALUES row per article: a fixed 17 parameters for any
    // number of rows, so Postgres neither parses nor plans a 1000-parameter statement per feed
    // (~30 % of the insert's time, measured), and the driver prepares 17 values instead of 1000.
    // Timestamps go as ISO text, which both drivers send as is. Sliced to bound one statement.
    for (let start = 0; start < planned.length; start += INSERT_SLICE) {
      const slice = planned.slice(start, start + INSERT_SLICE);
      const columns = slice.map((p) => articleColumns(p.entry, now));
      const iso = (d: Date) => d.toISOString();
      const inserted = await sql<{ id: number; public_id: string }>`
        INSERT INTO articles (url, title, summary, content_html, author, tags, enclosures, image_url, published_at, updated_at,
                              changed_at, public_id, canonical_url, url_hash, fingerprint, title_key, lead_text, first_seen_at,
                              sort_at, first_source_id)
        SELECT a.url, a.title, a.summary, a.content_html, a.author, a.tags::jsonb, a.enclosures::jsonb, a.image_url, a.published_at,
               a.updated_at, ${iso(now)}::timestamptz, a.public_id, a.canonical_url, a.url_hash, a.fingerprint, a.title_key, a.lead_text,
               ${iso(now)}::timestamptz, a.sort_at, ${sourceId}::bigint
        FROM unnest(
          ${columns.map((c) => c.url)}::text[],
          ${columns.map((c) => c.title)}::text[],
          ${columns.map((c) => c.summary)}::text[],
          ${columns.map((c) => c.content_html)}::text[],
          ${columns.map((c) => c.author)}::text[],
          ${columns.map((c) => c.tags)}::text[],
          ${columns.map((c) => c.enclosures)}::text[],
          ${columns.map((c) => c.image_url)}::text[],
          ${columns.map((c) => iso(c.published_at))}::timestamptz[],
          ${columns.map((c) => iso(c.updated_at))}::timestamptz[],
          ${publicIds.slice(start, start + INSERT_SLICE)}::uuid[],
          ${slice.map((p) => p.entry.canonicalUrl)}::text[],
          ${slice.map((p) => p.entry.urlHash)}::text[],
          ${slice.map((p) => p.entry.fingerprint)}::text[],
          ${slice.map((p) => p.entry.titleKey)}::text[],
          ${slice.map((p) => p.entry.leadText)}::text[],
          -- A future or bogus date must not pin an item to the top forever.
          ${slice.map((p) => iso(p.publishedAt > now.getTime() ? now : new Date(p.publishedAt)))}::timestamptz[]
        ) AS a(url, title, summary, content_html, author, tags, enclosures, image_url, published_at, updated_at, public_id,
               canonical_url, url_hash, fingerprint, title_key, lead_text, sort_at)
        ON CONFLICT (url_hash) WHERE url_hash IS NOT NULL DO NOTHING
        RETURNING id, public_id`.execute(tx);
      rows.push(...inserted.rows);
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
  return {
    new: created,
    duplicate,
    provenance: entries.map((entry, i) => ({ entry, articleId: articleIds[i]! })),
    insertedIds: planned.filter((p) => p.inserted).map((p) => p.id!),
  };
}

async function updateFromEntry(tx: Tx, sourceId: number, articleId: number, entry: NormalizedEntry, now: Date) {
  // Only the source that carried the story first speaks for its content; others only refresh
  // their own provenance row.
  // An edit is a change of the item: its updated date moves to the upstream's own (when it gives
  // one), else to when we saw the edit — a feed with only pubDate would otherwise keep the item's
  // atom:updated / date_modified at its publication forever (RFC 4287 §4.2.15).
  const columns = { ...articleColumns(entry, now), updated_at: notFuture(entry.updatedAt, now) ?? now };
  await tx
    .updateTable('articles')
    .set(columns)
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

/** A new entry of the source and the article it is (inserted now, or the story it duplicates). */
interface Provenance {
  entry: NormalizedEntry;
  articleId: number;
}

/**
 * The ingest's last statement, where there were up to five (docs/performance.md):
 *
 * - the provenance rows of the new entries;
 * - last_seen_at of the entries seen again;
 * - the touched articles (new, duplicated or updated) listed in the source's categories, and the
 *   version of every category listing any of them, through any source (an edited article shows in
 *   each), bumped so that render caches everywhere invalidate.
 *
 * Each part writes rows no other part touches, and none reads what another writes except the bump,
 * which takes the memberships this statement inserts from the insert's RETURNING (the statement's
 * snapshot does not see them) — so these sibling CTEs do what the separate statements did. Rows go
 * as arrays (unnest): a fixed number of parameters for any number of rows.
 *
 * `listedBefore`: the touched articles that existed before this ingest. Only they can be listed
 * already; an article inserted by this ingest is listed only by `added`. Looking up every touched
 * id instead made Postgres scan category_articles on each ingest of a quickly growing table whose
 * statistics lag (a first poll: autoanalyze runs once a minute), which grew with the table.
 */
async function finishIngest(
  tx: Tx,
  sourceId: number,
  provenance: Provenance[],
  seenIds: number[],
  touched: number[],
  listedBefore: number[],
  now: Date,
) {
  await sql`
    WITH provenance AS (
      INSERT INTO article_sources (source_id, entry_hash, article_id, guid, link, content_hash, first_seen_at, last_seen_at)
      SELECT ${sourceId}, e.entry_hash, e.article_id, e.guid, e.link, e.content_hash, ${now}, ${now}
      FROM unnest(
        ${provenance.map((p) => p.entry.entryHash)}::text[],
        ${provenance.map((p) => p.articleId)}::bigint[],
        ${provenance.map((p) => p.entry.guid)}::text[],
        ${provenance.map((p) => p.entry.link)}::text[],
        ${provenance.map((p) => p.entry.contentHash)}::text[]
      ) AS e(entry_hash, article_id, guid, link, content_hash)
      ON CONFLICT (source_id, entry_hash) DO NOTHING
    ), seen AS (
      UPDATE article_sources SET last_seen_at = ${now}
      WHERE source_id = ${sourceId} AND article_id = ANY(${seenIds}::bigint[])
    ), added AS (
      INSERT INTO category_articles (category_id, article_id, sort_at)
      SELECT sc.category_id, a.id, a.sort_at
      FROM articles a JOIN source_categories sc ON sc.source_id = ${sourceId}
      WHERE a.id = ANY(${touched}::bigint[])
      ON CONFLICT DO NOTHING
      RETURNING category_id
    )
    UPDATE categories SET version = nextval('content_version_seq'), content_changed_at = statement_timestamp()
    WHERE id IN (SELECT category_id FROM category_articles WHERE article_id = ANY(${listedBefore}::bigint[]) UNION SELECT category_id FROM added)`.execute(tx);
}
