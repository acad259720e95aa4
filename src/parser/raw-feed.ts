// The parser's output: what the upstream said, as close to the source as is useful. Strings are
// trimmed and free of characters XML 1.0 forbids; the normalizer makes them clean.
//   - `title`, `contentHtml`, `summary` and `description` are HTML (RSS habit; an Atom text
//     construct of type "text" arrives escaped, so markup-looking text stays text);
//   - `author` and `categories` are text;
//   - dates are the upstream's strings, unparsed (the normalizer parses and falls back);
//   - URLs are as written; `base` says what relative ones are relative to.

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
  /**
   * The xml:base in force for this entry (its own resolved against the feed's), or null when the
   * upstream declared none. Absolute when parseFeed was given the document URL or a base was
   * absolute; otherwise relative to the document URL.
   */
  base: string | null;
}

export interface RawFeed {
  format: FeedFormat;
  title: string | null;
  link: string | null;
  description: string | null;
  language: string | null;
  /** The xml:base in force at feed level (root, channel or Atom feed element); as RawEntry.base. */
  base: string | null;
  ttlMinutes: number | null;
  /** GMT hours 0–23 during which the upstream asks not to be polled. */
  skipHours: number[];
  /** English day names ("Monday") on which the upstream asks not to be polled. */
  skipDays: string[];
  entries: RawEntry[];
  /** The character encoding the bytes were decoded from (WHATWG name), for diagnostics. */
  encoding?: string;
}

/** A feed an HTML page advertises with `<link rel="alternate" type href title>`. */
export interface AdvertisedFeed {
  url: string;
  /** The media type as advertised, lowercased, without parameters. */
  type: string;
  title: string | null;
}

export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    message: string,
    /** Feed links an HTML page advertises, when the body was a page rather than a feed. */
    readonly feedLinks: AdvertisedFeed[] = [],
  ) {
    super(message);
  }
}
