import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createNodeFetch } from '../../src/entry/node-fetch.ts';
import { silentLogger } from '../../src/log.ts';
import type { PollerDeps } from '../../src/poller/poll-source.ts';
import type { RunOptions } from '../../src/poller/run.ts';
import type { Database } from '../../src/store/schema.ts';

export function testPollerDeps(db: Kysely<Database>, overrides: Partial<PollerDeps> = {}): PollerDeps {
  return {
    db,
    fetcher: {
      fetch: createNodeFetch(['127.0.0.1']),
      timeoutMs: 5_000,
      maxBytes: 1024 * 1024,
      userAgent: 'feedrelay-test/0 (+http://localhost)',
    },
    defaultIntervalSeconds: 900,
    scheduler: 'fixed',
    now: () => new Date(),
    random: () => 0.5,
    newId: randomUUID,
    log: silentLogger,
    owner: `test-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

export const runAll: RunOptions = {
  concurrency: 4,
  perHost: 4,
  batchSize: 50,
  leaseSeconds: 60,
  ignoreSchedule: true,
};
