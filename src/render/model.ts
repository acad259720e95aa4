// The one normalized model every output format renders from.
import type { EnclosureRecord } from '../store/schema.ts';

export interface ItemSource {
  title: string;
  /** The upstream feed URL. */
  feedUrl: string;
  siteUrl: string | null;
}

export interface FeedItem {
  /** Stable forever: `urn:uuid:` of the article's public id. */
  id: string;
  /** Our permalink for the article page. */
  permalink: string;
  title: string;
  /** The original story (first upstream's link), falling back to our permalink. */
  url: string;
  contentHtml: string | null;
  summary: string | null;
  author: string | null;
  tags: string[];
  enclosures: EnclosureRecord[];
  imageUrl: string | null;
  published: Date;
  updated: Date;
  sources: ItemSource[];
}

export type FeedFormatName = 'rss' | 'atom' | 'json';

export interface FeedDocument {
  /** Stable id of the feed itself. */
  id: string;
  title: string;
  description: string;
  language: string | null;
  /** The HTML page of the category. */
  homeUrl: string;
  /** Absolute self URL per format (same query as the request). */
  selfUrls: Record<FeedFormatName, string>;
  firstUrls: Record<FeedFormatName, string>;
  nextUrls: Record<FeedFormatName, string> | null;
  /** The newest item's update time: never "now", so unchanged content renders identical bytes. */
  updated: Date;
  items: FeedItem[];
}

export const CONTENT_TYPES: Record<FeedFormatName, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};
