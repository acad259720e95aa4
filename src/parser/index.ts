// Bytes → RawFeed: decode (decode.ts), sniff the format from the text (sniff.ts), then parse
// XML feeds (xml.ts) or JSON Feeds (json-feed.ts). Everything else is "not a feed".
import { decodeFeedBytes } from './decode.ts';
import { htmlPageError } from './html-page.ts';
import { parseJsonFeed } from './json-feed.ts';
import { ParseError, type RawFeed } from './raw-feed.ts';
import { sniffFormat } from './sniff.ts';
import { parseXmlFeed } from './xml.ts';

export { ParseError } from './raw-feed.ts';
export type { AdvertisedFeed, RawEntry, RawFeed, FeedFormat, RawEnclosure } from './raw-feed.ts';

/**
 * `contentType`: the response's Content-Type (its charset is one hint among others).
 * `baseUrl`: the URL the bytes came from (after redirects); makes xml:base values and the feed
 * links of an HTML page absolute.
 */
export async function parseFeed(bytes: Uint8Array, contentType: string | null, baseUrl: string | null = null): Promise<RawFeed> {
  const { text, encoding } = decodeFeedBytes(bytes, contentType);
  const sniffed = sniffFormat(text);
  switch (sniffed.kind) {
    case 'json':
      return { ...parseJsonFeed(text), encoding };
    case 'xml':
      return { ...(await parseXmlFeed(text.slice(sniffed.start), baseUrl)), encoding };
    case 'html':
      throw htmlPageError(text, baseUrl);
    case 'empty':
      throw new ParseError('parser: not a feed: the upstream answered with an empty body');
    default:
      throw new ParseError('parser: not a feed: the body is neither XML nor JSON');
  }
}
