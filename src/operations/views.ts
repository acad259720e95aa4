// The shapes operators see (JSON from the admin API, tables in the CLI): plain values, ISO dates.
import type { PollOutcome } from '../poller/poll-source.ts';
import type { CategoryRow, SourceHealthRow } from '../store/admin.ts';
import type { Fetch, SourceStatus } from '../store/schema.ts';

export interface SourceView {
  id: number;
  url: string;
  /** The URL as given (feeds/ or the API); differs from `url` after a permanent redirect. */
  configured_url: string;
  title: string | null;
  feed_title: string | null;
  site_url: string | null;
  categories: string[];
  /** The subset of `categories` that feeds/ files define (the files own those links). */
  file_categories: string[];
  in_feeds_dir: boolean;
  added_by_api: boolean;
  status: SourceStatus;
  /** Whether the scheduler polls it: false when paused, gone, or no longer listed anywhere. */
  polled: boolean;
  interval_seconds: number | null;
  last_fetched_at: string | null;
  last_success_at: string | null;
  last_http_status: number | null;
  last_error: string | null;
  consecutive_errors: number;
  next_poll_at: string | null;
  articles_last_24h: number;
  created_at: string;
  deleted_at: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function sourceView(row: SourceHealthRow): SourceView {
  const s = row.source;
  const polled = s.deleted_at === null && s.status !== 'paused' && s.status !== 'gone' && (s.in_config || s.added_by_api);
  return {
    id: s.id,
    url: s.url,
    configured_url: s.configured_url,
    title: s.title,
    feed_title: s.feed_title,
    site_url: s.site_url,
    categories: row.links.map((l) => l.slug),
    file_categories: row.links.filter((l) => l.origin === 'file').map((l) => l.slug),
    in_feeds_dir: s.in_config,
    added_by_api: s.added_by_api,
    status: s.status,
    polled,
    interval_seconds: s.interval_seconds,
    last_fetched_at: iso(s.last_fetched_at),
    last_success_at: iso(s.last_success_at),
    last_http_status: s.last_http_status,
    last_error: s.last_error,
    consecutive_errors: s.consecutive_errors,
    next_poll_at: polled ? iso(s.next_poll_at) : null,
    articles_last_24h: row.articlesLast24h,
    created_at: s.created_at.toISOString(),
    deleted_at: iso(s.deleted_at),
  };
}

export interface PollView {
  /** new: the feed changed and was ingested · not-modified (304) · unchanged (same bytes) · error · gone (410). */
  result: PollOutcome['kind'];
  status: SourceStatus;
  http_status: number | null;
  new: number;
  updated: number;
  duplicate: number;
  unchanged: number;
  error: string | null;
  duration_ms: number;
  next_poll_at: string;
}

export function pollView(o: PollOutcome): PollView {
  return {
    result: o.kind,
    status: o.status,
    http_status: o.httpStatus,
    new: o.counts.new,
    updated: o.counts.updated,
    duplicate: o.counts.duplicate,
    unchanged: o.counts.unchanged,
    error: o.error,
    duration_ms: Math.round(o.durationMs),
    next_poll_at: o.nextPollAt.toISOString(),
  };
}

export interface FetchView {
  id: number;
  started_at: string;
  duration_ms: number;
  url: string;
  http_status: number | null;
  result: string;
  error: string | null;
  bytes: number | null;
  new: number;
  updated: number;
  duplicate: number;
}

export function fetchView(f: Fetch): FetchView {
  return {
    id: f.id,
    started_at: f.started_at.toISOString(),
    duration_ms: f.duration_ms,
    url: f.url,
    http_status: f.http_status,
    result: f.outcome,
    error: f.error,
    bytes: f.bytes,
    new: f.new_count,
    updated: f.updated_count,
    duplicate: f.duplicate_count,
  };
}

export interface CategoryView {
  slug: string;
  title: string;
  description: string;
  language: string | null;
  /** `file`: defined by feeds/{slug}.yaml (edit the file); `api`: made through the admin API. */
  origin: 'file' | 'api';
  sources: number;
  created_at: string;
  updated_at: string;
}

export function categoryView(row: CategoryRow): CategoryView {
  const c = row.category;
  return {
    slug: c.slug,
    title: c.title,
    description: c.description,
    language: c.language,
    origin: c.origin,
    sources: row.sources,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}
