import * as nodeCrypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex') => string;

// crypto.hash (Node ≥ 20.12) hashes in one call, ~1 µs less per short string than
// createHash().update().digest() — ingest hashes five keys per entry. Workers' node:crypto may lack
// it; createHash works on both.
const oneShot = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;

/** Hex SHA-256 of a string (as UTF-8) or bytes. node:crypto works on Node and on Workers (nodejs_compat). */
export const sha256: (data: string | Uint8Array) => string =
  typeof oneShot === 'function'
    ? (data) => oneShot('sha256', data, 'hex')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest('hex');
