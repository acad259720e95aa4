// Three `npm run poll` processes at once on one Postgres database over 200 sources served by ten
// upstream servers on 127.0.0.1, twice (two due times). Sources share stories (one canonical URL
// carried by four sources; one headline and text carried by four sources under four URLs), so the
// processes race on the same stories, not only on the same sources. Expected: every due source
// fetched exactly once per due time, every story stored once, and nothing recorded as an error by
// the process that lost a race.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntry, type Finished } from '../helpers/processes.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { announceSkip, openFaultDatabase, postgresSupport, query, type FaultDatabase } from './helpers/private-postgres.ts';
import { rss, sleep, writeFeedsDir, type Item } from './helpers/world.ts';

const SOURCES = 200;
const SERVERS = 10;
const OWN = 5;
const GROUP = 4;
const PROCESSES = 3;

announceSkip('faults/concurrent-pollers', postgresSupport);

describe.skipIf(postgresSupport.skip)(`${PROCESSES} poller processes on one Postgres over ${SOURCES} sources`, () => {
  let servers: Upstream[] = [];
  let database: FaultDatabase;
  let feedsDir: string;
  let round = 1;
  const published = new Date(Date.now() - 3600_000);

  const itemsOf = (i: number): Item[] => {
    const g = Math.floor(i / GROUP);
    const items: Item[] = [];
    for (let j = 0; j < OWN; j++) items.push({ title: `Source ${i} own story ${j}`, link: `http://stories.test/own/${i}/${j}`, guid: `own-${i}-${j}`, description: `Story ${j} told only by source ${i}, with enough words to stand apart.`, pubDate: published });
    // Same canonical URL from four sources: the unique URL key is where they meet.
    items.push({ title: `Group ${g} shared link story`, link: `http://stories.test/shared/${g}?utm_source=s${i}`, guid: `shared-${i}`, description: `The linked story of group ${g}, carried by four sources.`, pubDate: published });
    // Same headline and text under four URLs: only the fingerprint (under advisory locks) meets.
    items.push({ title: `Group ${g} republished story about reliable polling`, link: `http://mirror${i}.test/story/${g}`, guid: `mirror-${i}`, description: `Group ${g}: the same republished text, word for word, about pollers that never store a story twice.`, pubDate: published });
    if (round >= 2) items.push({ title: `Source ${i} second round story`, link: `http://stories.test/round2/${i}`, guid: `r2-${i}`, description: `A story that appeared after the first due time at source ${i}.`, pubDate: new Date() });
    return items;
  };

  beforeAll(async () => {
    database = await openFaultDatabase();
    servers = await Promise.all(Array.from({ length: SERVERS }, () => startUpstream()));
    for (let i = 0; i < SOURCES; i++) {
      servers[i % SERVERS]!.route(`/s${i}.xml`, async (_req, res) => {
        // Latency, so the three processes genuinely overlap.
        await sleep(50 + ((i * 37) % 150));
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(`Source ${i}`, itemsOf(i)));
      });
    }
    feedsDir = await writeFeedsDir([
      { slug: 'many', sources: Array.from({ length: SOURCES }, (_, i) => ({ url: servers[i % SERVERS]!.url(`/s${i}.xml`) })) },
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await database?.close();
    if (feedsDir) await rm(dirname(feedsDir), { recursive: true, force: true });
  });

  const hitsOf = (i: number) => servers[i % SERVERS]!.hits.get(`/s${i}.xml`)?.length ?? 0;
  const polled = (f: Finished) => Number(/polled (\d+) source/.exec(f.stdout)?.[1] ?? NaN);

  async function runPollers(): Promise<Finished[]> {
    const env = { DATABASE_URL: database.url, FEEDS_DIR: feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', FETCH_TIMEOUT: '10s' };
    // All three start together, on an empty database the first time: they race on the
    // migrations and the feeds/ sync too.
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runEntry('src/entry/poll.ts', [], env, 120_000)));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      // No process logged a failure of its own (a lost claim or a lost insert race is no error).
      expect(r.stderr, r.stderr).not.toMatch(/ERROR|poller:|feedrelay:/);
      expect(r.stdout).not.toMatch(/✗/);
    }
    return results;
  }

  async function checkStore(expectedArticles: number, expectedFetches: number) {
    const [counts] = await query<Record<string, number>>(
      database.url,
      `SELECT (SELECT count(*)::int FROM articles) AS articles,
              (SELECT count(DISTINCT url_hash)::int FROM articles WHERE url_hash IS NOT NULL) AS url_keys,
              (SELECT count(*)::int FROM articles WHERE url_hash IS NOT NULL) AS with_url,
              (SELECT count(DISTINCT (title, published_at))::int FROM articles) AS stories,
              (SELECT count(*)::int FROM fetches) AS fetches,
              (SELECT count(*)::int FROM fetches WHERE outcome IN ('error', 'gone') OR error IS NOT NULL) AS failed_fetches,
              (SELECT count(*)::int FROM sources WHERE last_error IS NOT NULL OR consecutive_errors > 0 OR status <> 'ok') AS unhealthy,
              (SELECT count(*)::int FROM sources WHERE lease_owner IS NOT NULL) AS leased,
              (SELECT count(*)::int FROM article_sources) AS provenance`,
    );
    expect(counts).toMatchObject({
      articles: expectedArticles,
      stories: expectedArticles,
      fetches: expectedFetches,
      failed_fetches: 0,
      unhealthy: 0,
      leased: 0,
    });
    expect(counts!.url_keys).toBe(counts!.with_url);
    // Every group's two shared stories are one article each, listing all four carriers.
    const shared = await query<{ title: string; carriers: number }>(
      database.url,
      `SELECT a.title, count(*)::int AS carriers FROM articles a JOIN article_sources s ON s.article_id = a.id
       WHERE a.title LIKE 'Group %' GROUP BY a.id, a.title`,
    );
    expect(shared).toHaveLength((SOURCES / GROUP) * 2);
    expect(shared.filter((r) => r.carriers !== GROUP)).toEqual([]);
  }

  it('first due time: each source fetched once, each story stored once, no errors', async () => {
    const results = await runPollers();
    console.log(`concurrent-pollers: first due time, sources polled per process: ${results.map(polled).join(', ')}`);
    expect(results.reduce((n, r) => n + polled(r), 0)).toBe(SOURCES);
    // The work really was shared: more than one process polled.
    expect(results.filter((r) => polled(r) > 0).length, results.map(polled).join(', ')).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < SOURCES; i++) expect(hitsOf(i), `source ${i}`).toBe(1);
    await checkStore(SOURCES * OWN + (SOURCES / GROUP) * 2, SOURCES);
  }, 180_000);

  it('second due time: each source fetched once more, only the new stories stored', async () => {
    round = 2;
    await query(database.url, `UPDATE sources SET next_poll_at = now() - interval '1 second'`);
    const results = await runPollers();
    console.log(`concurrent-pollers: second due time, sources polled per process: ${results.map(polled).join(', ')}`);
    expect(results.reduce((n, r) => n + polled(r), 0)).toBe(SOURCES);
    for (let i = 0; i < SOURCES; i++) expect(hitsOf(i), `source ${i}`).toBe(2);
    await checkStore(SOURCES * (OWN + 1) + (SOURCES / GROUP) * 2, SOURCES * 2);
    // Nothing is due any more: a fourth process finds no work.
    const idle = await runEntry('src/entry/poll.ts', [], { DATABASE_URL: database.url, FEEDS_DIR: feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1' });
    expect(polled(idle)).toBe(0);
    for (let i = 0; i < SOURCES; i++) expect(hitsOf(i)).toBe(2);
  }, 180_000);
});
