// Paging shared by feeds and HTML pages: `limit`, and opaque cursors holding the position (sort
// time, article id) of the last item already seen. Stable under inserts: new items sort before
// every existing cursor.
import { BadRequestError } from '../errors.ts';
import type { PageCursor } from '../store/feeds.ts';

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.sortAt.getTime()}.${cursor.articleId}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(decoded);
  if (!match) throw new BadRequestError('before: not a cursor from this feed\'s next link');
  return { sortAt: new Date(Number(match[1])), articleId: Number(match[2]) };
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw new BadRequestError(`limit: must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}
