// The ingest's story lookup (store/articles.ts storyLookup) must stay an index lookup on a table
// the planner knows nothing about: a first poll grows `articles` by thousands of rows between two
// autoanalyze runs, and a lookup the planner then turns into a whole-table scan runs once per
// ingested feed (docs/performance.md: on (fingerprint) alone it did, for the fingerprint arm).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEntry } from '../src/normalize/index.ts';
import { storyLookup } from '../src/store/articles.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';

const now = new Date('2026-11-23T08:00:00Z');
const hex = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(8, '0')}`.padEnd(64, '0');

function entry(i: number): NormalizedEntry {
  return {
    entryHash: hex('e', i), guid: null, link: null, canonicalUrl: null,
    urlHash: hex('a', i), fingerprint: hex('b', i), titleKey: hex('c', i), leadText: '', contentHash: hex('d', i),
    title: `t${i}`, contentHtml: null, summary: null, author: null, tags: [], enclosures: [], imageUrl: null,
    publishedAt: new Date(now.getTime() - i * 60_000), updatedAt: null,
  };
}

describe.each(databases)('story lookup plans on $name', (factory) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await factory.open();
    // 20,000 stored stories within the lookup's date window, inserted in one statement and
    // never analyzed: what the planner sees in the middle of a first poll.
    await sql`
      INSERT INTO articles (public_id, url_hash, fingerprint, title_key, title, published_at, updated_at, sort_at)
      SELECT gen_random_uuid(), 'u' || g, 'f' || g, 't' || g, 'title ' || g,
             ${now}::timestamptz - g * interval '10 seconds', ${now}, ${now}
      FROM generate_series(1, 20000) AS g`.execute(database.db);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it('reads every key arm through an index, never the whole table', async () => {
    const lookup = storyLookup(Array.from({ length: 50 }, (_, i) => entry(i)), now)!;
    const plan = (await sql<Record<string, string>>`EXPLAIN ${lookup}`.execute(database.db)).rows.map((r) => Object.values(r)[0]).join('\n');
    expect(plan).toMatch(/articles_url_hash_key/);
    expect(plan).toMatch(/articles_fingerprint_published_idx/);
    expect(plan).toMatch(/articles_title_key_idx/);
    expect(plan).not.toMatch(/Seq Scan on articles/);
  });
});
