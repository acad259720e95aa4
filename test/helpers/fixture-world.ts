// The usual stage of a store test: one database of the given kind and one local upstream, opened
// once per file and closed after; `reset()` empties every table between tests.
import { sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import type { CategoryDefinition } from '../../src/sources/category-file.ts';
import type { DatabaseFactory, TestDatabase } from './databases.ts';
import { startUpstream, type Upstream } from './upstream.ts';

export interface World {
  readonly database: TestDatabase;
  readonly upstream: Upstream;
  reset(): Promise<void>;
}

export function useWorld(factory: DatabaseFactory): World {
  let database: TestDatabase | undefined;
  let upstream: Upstream | undefined;
  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
  });
  afterAll(async () => {
    await Promise.all([database?.close(), upstream?.close()]);
  });
  return {
    get database() {
      if (!database) throw new Error('the world is not open yet (use it inside tests or hooks)');
      return database;
    },
    get upstream() {
      if (!upstream) throw new Error('the world is not open yet (use it inside tests or hooks)');
      return upstream;
    },
    async reset() {
      await sql`TRUNCATE categories, sources, articles, tombstones, fetches RESTART IDENTITY CASCADE`.execute(this.database.db);
      this.upstream.hits.clear();
    },
  };
}

/** A feeds/ category definition with the given source URLs. */
export function categoryOf(
  slug: string,
  urls: string[],
  options: { language?: string | null; intervalSeconds?: number | null; title?: (url: string) => string | null } = {},
): CategoryDefinition {
  return {
    slug,
    title: slug.toUpperCase(),
    description: '',
    language: options.language ?? null,
    file: `feeds/${slug}.yaml`,
    sources: urls.map((url) => ({ url, title: options.title?.(url) ?? null, intervalSeconds: options.intervalSeconds ?? null })),
  };
}
