import { createHash } from 'node:crypto';

/** Hex SHA-256 of a string (as UTF-8) or bytes. node:crypto works on Node and on Workers (nodejs_compat). */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
