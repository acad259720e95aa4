// Table types for Kysely. Nullable columns are `T | null`; int8 columns come back as numbers from
// both pg (a type parser set in the entry) and PGlite, so they are typed `number`.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export type SourceStatus = 'ok' | 'erroring' | 'paused' | 'gone';
export type Origin = 'file' | 'api';

export interface ScheduleHints {
  ttlSeconds?: number;
  skipHours?: number[];
  skipDays?: number[];
  maxAgeSeconds?: number;
  retryAfterSeconds?: number;
}

export interface EnclosureRecord {
  url: string;
  type: string | null;
  length: number | null;
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description: Generated<string>;
  language: string | null;
  origin: Origin;
  version: Generated<number>;
  /** Set with every bump of version: the feeds' Last-Modified (migration 0004). */
  content_changed_at: Generated<Date>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SourcesTable {
  id: Generated<number>;
  url: string;
  configured_url: string;
  title: string | null;
  feed_title: string | null;
  site_url: string | null;
  in_config: Generated<boolean>;
  added_by_api: Generated<boolean>;
  deleted_at: Timestamp | null;
  status: Generated<SourceStatus>;
  interval_seconds: number | null;
  etag: string | null;
  last_modified: string | null;
  body_hash: string | null;
  last_fetched_at: Timestamp | null;
  last_success_at: Timestamp | null;
  last_http_status: number | null;
  last_error: string | null;
  consecutive_errors: Generated<number>;
  schedule_hints: Json<ScheduleHints>;
  next_poll_at: ColumnType<Date, Date | string | undefined, Date | string>;
  lease_owner: string | null;
  lease_until: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SourceCategoriesTable {
  source_id: number;
  category_id: number;
  origin: Origin;
}

export interface ArticlesTable {
  id: Generated<number>;
  public_id: string;
  canonical_url: string | null;
  url_hash: string | null;
  fingerprint: string | null;
  title_key: string | null;
  lead_text: string | null;
  url: string | null;
  title: string;
  summary: string | null;
  content_html: string | null;
  author: string | null;
  tags: Json<string[]>;
  enclosures: Json<EnclosureRecord[]>;
  image_url: string | null;
  published_at: Timestamp;
  updated_at: Timestamp;
  first_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  sort_at: Timestamp;
  first_source_id: number | null;
}

export interface ArticleSourcesTable {
  source_id: number;
  entry_hash: string;
  article_id: number;
  guid: string | null;
  link: string | null;
  content_hash: string;
  first_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CategoryArticlesTable {
  category_id: number;
  article_id: number;
  sort_at: Timestamp;
}

export interface TombstonesTable {
  kind: 'entry' | 'url' | 'fingerprint';
  hash: string;
  pruned_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface FetchesTable {
  id: Generated<number>;
  source_id: number;
  started_at: Timestamp;
  duration_ms: number;
  url: string;
  http_status: number | null;
  outcome: string;
  error: string | null;
  bytes: number | null;
  new_count: Generated<number>;
  updated_count: Generated<number>;
  duplicate_count: Generated<number>;
}

export interface Database {
  categories: CategoriesTable;
  sources: SourcesTable;
  source_categories: SourceCategoriesTable;
  articles: ArticlesTable;
  article_sources: ArticleSourcesTable;
  category_articles: CategoryArticlesTable;
  tombstones: TombstonesTable;
  fetches: FetchesTable;
}

export type Category = Selectable<CategoriesTable>;
export type Source = Selectable<SourcesTable>;
export type NewSource = Insertable<SourcesTable>;
export type SourceUpdate = Updateable<SourcesTable>;
export type Article = Selectable<ArticlesTable>;
export type Fetch = Selectable<FetchesTable>;
