// Two `npm run poll` processes on one Postgres database at the same time: each due source is
// fetched once and no article is stored twice. Needs a Postgres server (TEST_DATABASE_URL): the
// embedded PGlite belongs to one process by design, so there is nothing to share there; the
// in-process variant of this test runs on PGlite in queue.test.ts.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/databases.ts';
import { runEntry } from './helpers/processes.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const SOURCES = 40;

describe.runIf(TEST_DATABASE_URL)('two poller processes on one Postgres database', () => {
  let upstream: Upstream;
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    for (let i = 0; i < SOURCES; i++) {
      const items = Array.from({ length: 5 }, (_, j) => `<item><title>Source ${i} story ${j}</title><link>http://stories.test/${i}/${j}</link><guid>${i}-${j}</guid></item>`).join('');
      upstream.route(`/s${i}.xml`, async (_req, res) => {
        // A little latency so the two processes genuinely overlap.
        await new Promise((r) => setTimeout(r, 50));
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<rss version="2.0"><channel><title>s${i}</title><link>http://stories.test/${i}/</link><description>d</description>${items}</channel></rss>`);
      });
    }
    database = await createPostgresDatabase();
    dir = await mkdtemp(join(tmpdir(), 'feedrelay-pollers-'));
    await mkdir(join(dir, 'feeds'));
    const sources = Array.from({ length: SOURCES }, (_, i) => `  - url: ${upstream.url(`/s${i}.xml`)}`).join('\n');
    await writeFile(join(dir, 'feeds', 'many.yaml'), `slug: many\ntitle: Many\nsources:\n${sources}\n`);
  });

  afterAll(async () => {
    await upstream?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fetches each due source once and stores zero duplicates', async () => {
    const env = { DATABASE_URL: database.url!, FEEDS_DIR: join(dir, 'feeds'), ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1' };
    const [a, b] = await Promise.all([runEntry('src/entry/poll.ts', [], env), runEntry('src/entry/poll.ts', [], env)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (let i = 0; i < SOURCES; i++) expect(upstream.hits.get(`/s${i}.xml`), `source ${i}`).toHaveLength(1);
    const polled = (out: string) => Number(/polled (\d+) source/.exec(out)?.[1] ?? NaN);
    expect(polled(a.stdout) + polled(b.stdout)).toBe(SOURCES);
    const counts = await sql<{ n: number; distinct: number; failed: number }>`
      SELECT (SELECT count(*)::int FROM articles) AS n,
             (SELECT count(DISTINCT url_hash)::int FROM articles) AS distinct,
             (SELECT count(*)::int FROM fetches WHERE outcome = 'error') AS failed`.execute(database.db);
    expect(counts.rows[0]).toEqual({ n: SOURCES * 5, distinct: SOURCES * 5, failed: 0 });
  });
});
