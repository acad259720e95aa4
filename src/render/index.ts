import { renderAtom } from './atom.ts';
import { renderJsonFeed } from './json-feed.ts';
import type { FeedDocument, FeedFormatName } from './model.ts';
import { renderRss } from './rss.ts';

export { CONTENT_TYPES } from './model.ts';
export type { FeedDocument, FeedFormatName, FeedItem, ItemSource } from './model.ts';

export function renderFeed(format: FeedFormatName, doc: FeedDocument): string {
  switch (format) {
    case 'rss':
      return renderRss(doc);
    case 'atom':
      return renderAtom(doc);
    case 'json':
      return renderJsonFeed(doc);
  }
}
