// Detects the format from the bytes and dispatches; each format module returns a RawFeed.
import { decodeFeedBytes } from './decode.ts';
import { parseJsonFeed } from './json-feed.ts';
import { ParseError, type RawFeed } from './raw-feed.ts';
import { sniffFormat } from './sniff.ts';
import { parseXmlFeed } from './xml.ts';

export { ParseError } from './raw-feed.ts';
export type { RawEntry, RawFeed, FeedFormat, RawEnclosure } from './raw-feed.ts';

export async function parseFeed(bytes: Uint8Array, contentType: string | null): Promise<RawFeed> {
  const { text } = decodeFeedBytes(bytes, contentType);
  const kind = sniffFormat(text);
  switch (kind) {
    case 'json':
      return parseJsonFeed(text);
    case 'xml':
      return parseXmlFeed(text);
    case 'html':
      throw new ParseError('parser: not a feed: the upstream answered with an HTML page');
    case 'empty':
      throw new ParseError('parser: not a feed: the upstream answered with an empty body');
    default:
      throw new ParseError('parser: not a feed: the body is neither XML nor JSON');
  }
}
