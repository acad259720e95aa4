// Frozen in time: never import application code here, never edit after it has shipped.
// Add a new migration instead.
import { sql, type Kysely } from 'kysely';

const statements = [
  sql`CREATE TABLE categories (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$' AND slug <> 'all'),
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    language text,
    -- 'file': defined by feeds/*.yaml (re-synced at start); 'api': created through the admin API.
    origin text NOT NULL CHECK (origin IN ('file', 'api')),
    -- Bumped from content_version_seq whenever the category's visible content changes; render
    -- caches in every process key on it, so invalidation works across processes.
    version bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  sql`CREATE SEQUENCE content_version_seq`,

  sql`CREATE TABLE sources (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The URL polled now; a permanent redirect rewrites it.
    url text NOT NULL UNIQUE,
    -- The URL as the operator gave it, so feeds/ re-sync still recognises a moved source.
    configured_url text NOT NULL UNIQUE,
    title text,
    feed_title text,
    site_url text,
    in_config boolean NOT NULL DEFAULT false,
    added_by_api boolean NOT NULL DEFAULT false,
    -- Deleted through the admin API: never polled again and never resurrected by feeds/ sync.
    deleted_at timestamptz,
    status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'erroring', 'paused', 'gone')),
    interval_seconds integer CHECK (interval_seconds IS NULL OR interval_seconds > 0),
    etag text,
    last_modified text,
    body_hash text,
    last_fetched_at timestamptz,
    last_success_at timestamptz,
    last_http_status integer,
    last_error text,
    consecutive_errors integer NOT NULL DEFAULT 0,
    -- Upstream politeness signals (ttl, skipHours, skipDays, max-age, Retry-After) as last seen.
    schedule_hints jsonb NOT NULL DEFAULT '{}'::jsonb,
    next_poll_at timestamptz NOT NULL DEFAULT now(),
    -- A claim on the source by one poller; expires so a crashed poller's claims come back.
    lease_owner text,
    lease_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The scheduler's claim query walks this index in due order.
  sql`CREATE INDEX sources_due_idx ON sources (next_poll_at)
      WHERE deleted_at IS NULL AND status NOT IN ('paused', 'gone')`,

  sql`CREATE TABLE source_categories (
    source_id bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    category_id integer NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    origin text NOT NULL CHECK (origin IN ('file', 'api')),
    PRIMARY KEY (source_id, category_id)
  )`,
  sql`CREATE INDEX source_categories_category_idx ON source_categories (category_id)`,

  sql`CREATE TABLE articles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The id shown to the world (URLs, feed item ids); never changes, never reused.
    public_id uuid NOT NULL UNIQUE,
    canonical_url text,
    url_hash text,
    -- Normalized title + content hash: the cross-source near-duplicate key.
    fingerprint text,
    url text,
    title text NOT NULL,
    summary text,
    content_html text,
    author text,
    tags jsonb NOT NULL DEFAULT '[]'::jsonb,
    enclosures jsonb NOT NULL DEFAULT '[]'::jsonb,
    image_url text,
    published_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    -- When our stored copy last changed: drives Last-Modified of the feeds that list it.
    changed_at timestamptz NOT NULL DEFAULT now(),
    -- Fixed at insert (publication date, but never later than first seen) so paging cursors hold.
    sort_at timestamptz NOT NULL,
    first_source_id bigint REFERENCES sources(id) ON DELETE SET NULL
  )`,
  // One article per canonical URL: concurrent pollers racing on the same story meet here.
  sql`CREATE UNIQUE INDEX articles_url_hash_key ON articles (url_hash) WHERE url_hash IS NOT NULL`,
  sql`CREATE INDEX articles_fingerprint_idx ON articles (fingerprint) WHERE fingerprint IS NOT NULL`,
  sql`CREATE INDEX articles_sort_idx ON articles (sort_at DESC, id DESC)`,
  sql`CREATE INDEX articles_first_seen_idx ON articles (first_seen_at)`,

  // Provenance and per-source identity: one row per (source, upstream entry).
  sql`CREATE TABLE article_sources (
    source_id bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    entry_hash text NOT NULL,
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    guid text,
    link text,
    content_hash text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, entry_hash)
  )`,
  sql`CREATE INDEX article_sources_article_idx ON article_sources (article_id)`,

  // Denormalized category membership so "newest N of a category" is one index range scan.
  sql`CREATE TABLE category_articles (
    category_id integer NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    sort_at timestamptz NOT NULL,
    PRIMARY KEY (category_id, article_id)
  )`,
  sql`CREATE INDEX category_articles_sort_idx ON category_articles (category_id, sort_at DESC, article_id DESC)`,
  sql`CREATE INDEX category_articles_article_idx ON category_articles (article_id)`,

  // What retention pruned, so it is never ingested again. kind: 'entry' (source_id:entry_hash),
  // 'url' (canonical URL hash), 'fingerprint'.
  sql`CREATE TABLE tombstones (
    kind text NOT NULL CHECK (kind IN ('entry', 'url', 'fingerprint')),
    hash text NOT NULL,
    pruned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, hash)
  )`,

  sql`CREATE TABLE fetches (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    url text NOT NULL,
    http_status integer,
    outcome text NOT NULL,
    error text,
    bytes integer,
    new_count integer NOT NULL DEFAULT 0,
    updated_count integer NOT NULL DEFAULT 0,
    duplicate_count integer NOT NULL DEFAULT 0
  )`,
  sql`CREATE INDEX fetches_source_idx ON fetches (source_id, started_at DESC)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'fetches',
    'tombstones',
    'category_articles',
    'article_sources',
    'articles',
    'source_categories',
    'sources',
    'categories',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`DROP SEQUENCE IF EXISTS content_version_seq`.execute(db);
}
