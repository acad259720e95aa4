// The parser's output: what the upstream said, as close to the source as is useful. Strings are
// as found (markup and entities still there); the normalizer makes them clean.

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

export interface RawEnclosure {
  url: string;
  type: string | null;
  length: number | null;
}

export interface RawEntry {
  guid: string | null;
  link: string | null;
  title: string | null;
  contentHtml: string | null;
  summary: string | null;
  author: string | null;
  categories: string[];
  published: string | null;
  updated: string | null;
  enclosures: RawEnclosure[];
  image: string | null;
  /** xml:base in force for this entry, if the upstream declared one. */
  base: string | null;
}

export interface RawFeed {
  format: FeedFormat;
  title: string | null;
  link: string | null;
  description: string | null;
  language: string | null;
  base: string | null;
  ttlMinutes: number | null;
  skipHours: number[];
  skipDays: string[];
  entries: RawEntry[];
}

export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    message: string,
    /** Feed links an HTML page advertises, when the body was a page rather than a feed. */
    readonly feedLinks: string[] = [],
  ) {
    super(message);
  }
}
