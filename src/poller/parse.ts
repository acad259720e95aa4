// One changed upstream body → its normalized entries and the schedule hints it carries: the CPU
// half of a poll (decode, parse, sanitize, identity hashes). pollSource runs it in-line unless its
// deps bring another runner; the Node entries run it on worker threads (entry/parse-pool.ts) so a
// poll cycle uses more than one core.
import { normalizeFeed, type NormalizedFeed } from '../normalize/index.ts';
import { parseFeed } from '../parser/index.ts';

export interface ParsedFeed {
  feed: NormalizedFeed;
  ttlMinutes: number | null;
  skipHours: number[];
  skipDays: string[];
}

export type ParseFeedBody = (body: Uint8Array, contentType: string | null, url: string) => Promise<ParsedFeed>;

export const parseAndNormalize: ParseFeedBody = async (body, contentType, url) => {
  const raw = await parseFeed(body, contentType, url);
  return { feed: normalizeFeed(raw, url), ttlMinutes: raw.ttlMinutes, skipHours: raw.skipHours, skipDays: raw.skipDays };
};
