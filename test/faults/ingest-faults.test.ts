// Remaining cases of notes/reliability.md that need a real Postgres and real upstreams: hostile
// bytes in upstream text, a source deleted while its poll is in flight, a storm of 5xx answers
// over 500 sources, DNS and TLS failures, feeds that reuse one guid, bodies that are not feeds,
// and a poller process killed mid-run. Postgres is a private cluster (or TEST_DATABASE_URL); the
// pollers run in this process except where a process is what the case is about.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedDatabase } from '../../src/entry/database.ts';
import { createNodeFetch } from '../../src/entry/node-fetch.ts';
import { silentLogger } from '../../src/log.ts';
import { pollDue, type RunOptions } from '../../src/poller/run.ts';
import { MAX_DELAY_SECONDS } from '../../src/scheduler/policy.ts';
import { syncCategoryDefinitions } from '../../src/store/catalog.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { serveApp, type AppServer } from '../helpers/app-server.ts';
import { selfSignedCertificate } from '../helpers/misbehaving-upstream.ts';
import { testPollerDeps } from '../helpers/poller.ts';
import { runEntry } from '../helpers/processes.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { announceSkip, openFaultDatabase, postgresSupport, query, type FaultDatabase } from './helpers/private-postgres.ts';
import { rss, sleep, writeFeedsDir } from './helpers/world.ts';

announceSkip('faults/ingest-faults', postgresSupport);

const run: RunOptions = { concurrency: 16, perHost: 16, batchSize: 50, leaseSeconds: 60 };
const TOKEN = 'fault-token';

describe.skipIf(postgresSupport.skip)('ingest faults on Postgres', () => {
  let database: FaultDatabase;
  let opened: OpenedDatabase;
  let db: Kysely<Database>;
  let upstream: Upstream;

  beforeAll(async () => {
    database = await openFaultDatabase();
    opened = openPostgres(database.url, silentLogger, { max: 12 });
    db = opened.db;
    await migrateToLatest(db);
    upstream = await startUpstream();
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
    await upstream?.close();
    await database?.close();
  });

  beforeEach(async () => {
    await sql`TRUNCATE categories, sources, articles, tombstones, fetches RESTART IDENTITY CASCADE`.execute(db);
  });

  const define = (slug: string, urls: string[], intervalSeconds: number | null = 900) =>
    syncCategoryDefinitions(db, [
      { slug, title: slug, description: '', language: null, file: `feeds/${slug}.yaml`, sources: urls.map((url) => ({ url, title: null, intervalSeconds })) },
    ]);
  const one = async <T>(text: string) => (await sql<T>`${sql.raw(text)}`.execute(db)).rows[0]!;

  it('NUL bytes, invalid UTF-8, lone surrogates and forbidden characters in upstream text: stored cleaned, the insert succeeds', async () => {
    const xml = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>NUL\u0000 feed</title><link>http://nul.test/</link><description>d</description>\n'),
      Buffer.from('<item><title>Title with NUL \u0000 inside it</title><link>http://nul.test/1</link><guid>g\u00001</guid><description>Body with NUL \u0000 byte and more words after it.</description><author>a@example.com (Ann\u0000 Author)</author><category>cat\u0000egory</category></item>\n'),
      Buffer.from('<item><title>Invalid UTF-8 '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' here</title><link>http://nul.test/2</link><description>Overlong '),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from(', surrogate '),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from(', truncated '),
      Buffer.from([0xe4, 0xb8]),
      Buffer.from('</description></item>\n'),
      Buffer.from('<item><title>Character references &#0; &#x0; &#xD800; &#xFFFE; &#1; end</title><link>http://nul.test/3</link><description>&lt;p&gt;x&amp;#0;y &amp;#xD800; z&lt;/p&gt;</description></item>\n'),
      Buffer.from('</channel></rss>'),
    ]);
    upstream.route('/nul.rss', (_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(xml));
    const json = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'JSON \u0000 feed \ud800',
      home_page_url: 'http://nul.test/',
      items: [
        {
          id: 'j\u00001',
          url: 'http://nul.test/j\u0000',
          title: 'JSON title \u0000 with \ud800 lone \udc00 surrogates',
          content_html: '<p>a\u0000b \ud83d end</p>',
          summary: '\u0000summary\u0001',
          authors: [{ name: 'N\u0000ame' }],
          tags: ['t\u0000ag', '\ud800', 'ok'],
          attachments: [{ url: 'http://nul.test/a\u0000.mp3', mime_type: 'audio/mpeg\u0000' }],
          date_published: '2026-01-01T00:00:00\u0000Z',
        },
      ],
    });
    upstream.route('/nul.json', (_req, res) => void res.writeHead(200, { 'content-type': 'application/feed+json' }).end(json));
    await define('nul', [upstream.url('/nul.rss'), upstream.url('/nul.json')]);

    const summary = await pollDue(testPollerDeps(db), run);
    expect(summary.outcomes.map((o) => [o.kind, o.error])).toEqual([['new', null], ['new', null]]);
    expect(summary.outcomes.reduce((n, o) => n + o.counts.new, 0)).toBe(4);
    const rows = await db.selectFrom('articles').select(['title', 'summary', 'content_html', 'author', 'tags', 'url']).orderBy('id').execute();
    expect(rows).toHaveLength(4);
    const all = JSON.stringify(rows);
    expect(all).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|\\u0001|\\ufffe/i);
    const titles = rows.map((r) => r.title).sort();
    expect(titles).toContain('Title with NUL inside it');
    // Bytes that are not UTF-8 are either replaced (U+FFFD) or the document is read as
    // windows-1252, the web's fallback, when too much of it is not UTF-8 (parser/decode.ts).
    expect(titles.find((t) => t.startsWith('Invalid UTF-8'))).toMatch(/^Invalid UTF-8 (\uFFFD+|ÿþ) here$/);
    expect(titles.find((t) => t.startsWith('JSON title'))).toMatch(/^JSON title with \uFFFD? ?lone \uFFFD? ?surrogates$/);
    // Provenance (guid, link) went in too.
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM article_sources')).n).toBe(4);
    // And the outputs are still well-formed: JSON parses, RSS has no forbidden character.
    const server = await serveApp({ db, config: { publicUrl: 'http://feeds.test', adminToken: null }, log: silentLogger, now: () => new Date() });
    try {
      const jsonOut = await (await fetch(`${server.url}/feeds/nul.json`)).text();
      expect(JSON.parse(jsonOut).items).toHaveLength(4);
      expect(jsonOut).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
      const rssOut = await (await fetch(`${server.url}/feeds/nul.rss`)).text();
      expect(rssOut).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    } finally {
      await server.close();
    }
  });

  it('a source deleted while its poll is in flight leaves no orphan rows', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    upstream.route('/held.xml', async (_req, res) => {
      asked++;
      await released;
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
        rss('Held', Array.from({ length: 5 }, (_, i) => ({ title: `Held story ${i}`, link: `http://held.test/${i}`, guid: `h${i}`, description: `Held story ${i} with a body.` }))),
      );
    });
    await define('held', [upstream.url('/held.xml')]);
    const sourceId = (await db.selectFrom('sources').select('id').executeTakeFirstOrThrow()).id;
    const server: AppServer = await serveApp({ db, config: { publicUrl: 'http://feeds.test', adminToken: TOKEN }, log: silentLogger, now: () => new Date() });
    try {
      const polling = pollDue(testPollerDeps(db), run);
      for (let i = 0; asked === 0 && i < 200; i++) await sleep(25);
      expect(asked).toBe(1);
      // The operator deletes the source while the poller waits for its upstream.
      const deleted = await fetch(`${server.url}/admin/sources/${sourceId}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(deleted.status).toBe(200);
      release();
      const summary = await polling;
      expect(summary.polled).toBe(1);
    } finally {
      release();
      await server.close();
    }
    const orphans = await one<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM articles a WHERE NOT EXISTS (SELECT 1 FROM category_articles ca WHERE ca.article_id = a.id)) AS unlisted_articles,
      (SELECT count(*)::int FROM article_sources ars JOIN sources s ON s.id = ars.source_id WHERE s.deleted_at IS NOT NULL) AS provenance_of_deleted,
      (SELECT count(*)::int FROM articles) AS articles,
      (SELECT count(*)::int FROM sources WHERE lease_owner IS NOT NULL) AS leased,
      (SELECT count(*)::int FROM source_categories) AS links`);
    expect(orphans).toEqual({ unlisted_articles: 0, provenance_of_deleted: 0, articles: 0, leased: 0, links: 0 });
    const source = await db.selectFrom('sources').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow();
    expect(source.deleted_at).not.toBeNull();
  });

  it('500 sources answering 5xx: one fetch per due time, capped exponential backoff with jitter, never abandoned', async () => {
    const N = 500;
    const servers = await Promise.all(Array.from({ length: 5 }, () => startUpstream()));
    let healthy = false;
    const codes = [500, 502, 503, 504];
    try {
      const urls = Array.from({ length: N }, (_, i) => {
        const server = servers[i % servers.length]!;
        server.route(`/e${i}.xml`, (_req, res) => {
          if (healthy) res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`e${i}`, [{ title: `Recovered ${i}`, link: `http://e.test/${i}`, guid: `e${i}` }]));
          else res.writeHead(codes[i % codes.length]!, { 'content-type': 'text/html' }).end('<h1>Service unavailable</h1>');
        });
        return server.url(`/e${i}.xml`);
      });
      await define('storm', urls, 900);
      const hits = () => servers.reduce((n, s) => n + [...s.hits.values()].reduce((m, l) => m + l.length, 0), 0);
      let now = new Date();
      const at = () => now;
      const expectedBase = (errors: number) => Math.min(MAX_DELAY_SECONDS, 900 * 2 ** (errors - 1));
      for (let round = 1; round <= 4; round++) {
        const before = hits();
        const summary = await pollDue(testPollerDeps(db, { now: at, random: Math.random }), run);
        expect(summary.polled).toBe(N);
        // Bounded retries: exactly one request per source per due time.
        expect(hits() - before).toBe(N);
        const rows = await db.selectFrom('sources').select(['status', 'consecutive_errors', 'next_poll_at', 'last_error']).execute();
        const delays = rows.map((r) => (r.next_poll_at.getTime() - now.getTime()) / 1000);
        const base = expectedBase(round);
        expect(rows.every((r) => r.status === 'erroring' && r.consecutive_errors === round)).toBe(true);
        expect(rows[0]!.last_error).toMatch(/5\d\d/);
        // Jitter of ±10 % around the doubled interval, and really spread.
        expect(Math.min(...delays)).toBeGreaterThanOrEqual(base * 0.9 - 1);
        expect(Math.max(...delays)).toBeLessThanOrEqual(base * 1.1 + 1);
        expect(new Set(delays.map((d) => Math.round(d))).size).toBeGreaterThan(N / 10);
        // Next due time: when every source is due again.
        now = new Date(Math.max(...rows.map((r) => r.next_poll_at.getTime())) + 1000);
      }
      // Long into the storm the wait is capped at a day, and the sources are still polled.
      await db.updateTable('sources').set({ consecutive_errors: 29 }).execute();
      await pollDue(testPollerDeps(db, { now: at, random: Math.random }), run);
      const capped = await db.selectFrom('sources').select(['status', 'consecutive_errors', 'next_poll_at']).execute();
      expect(capped.every((r) => r.status === 'erroring' && r.consecutive_errors === 30)).toBe(true);
      expect(Math.max(...capped.map((r) => r.next_poll_at.getTime() - now.getTime()))).toBeLessThanOrEqual(MAX_DELAY_SECONDS * 1000);
      // When the upstreams recover, the next due time finds them and all is well again.
      healthy = true;
      now = new Date(Math.max(...capped.map((r) => r.next_poll_at.getTime())) + 1000);
      const recovered = await pollDue(testPollerDeps(db, { now: at }), run);
      expect(recovered.polled).toBe(N);
      expect(recovered.failed).toBe(0);
      expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM sources WHERE status = 'ok' AND consecutive_errors = 0`)).n).toBe(N);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 120_000);

  it('NXDOMAIN and TLS failures: the source is marked erroring with the reason in words', async () => {
    const certificate = selfSignedCertificate();
    let tls: HttpsServer | null = null;
    const urls = ['http://feeds.nowhere.invalid/rss.xml'];
    if (certificate) {
      tls = createHttpsServer(certificate, (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('t', [])));
      await new Promise<void>((resolve) => tls!.listen(0, '127.0.0.1', resolve));
      urls.push(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/rss.xml`);
    }
    // No name resolves (and no DNS query leaves the machine).
    const nowhere: LookupFunction = ((hostname: string, _options: unknown, callback: (e: Error | null, a: string) => void) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '')) as LookupFunction;
    try {
      await define('broken', urls);
      const fetcher = { fetch: createNodeFetch(['127.0.0.1'], { lookup: nowhere }), timeoutMs: 5_000, maxBytes: 1 << 20, userAgent: 'feedrelay-test/0' };
      const summary = await pollDue(testPollerDeps(db, { fetcher }), run);
      expect(summary.failed).toBe(urls.length);
      const rows = await db.selectFrom('sources').select(['url', 'status', 'last_error', 'consecutive_errors']).orderBy('id').execute();
      expect(rows[0]).toMatchObject({ status: 'erroring', consecutive_errors: 1, last_error: 'fetcher: feeds.nowhere.invalid does not resolve (DNS: no such host)' });
      if (certificate) expect(rows[1]).toMatchObject({ status: 'erroring', consecutive_errors: 1, last_error: "fetcher: TLS: the upstream's certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)" });
      // Operators see it through the admin API.
      const server = await serveApp({ db, config: { publicUrl: 'http://feeds.test', adminToken: TOKEN }, log: silentLogger, now: () => new Date() });
      try {
        const listed = (await (await fetch(`${server.url}/admin/sources`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { sources: Record<string, unknown>[] };
        expect(listed.sources.map((s) => s.status)).toEqual(urls.map(() => 'erroring'));
        expect(JSON.stringify(listed.sources)).toContain('does not resolve');
      } finally {
        await server.close();
      }
    } finally {
      tls?.closeAllConnections();
      await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
    }
  });

  it('every item with the same <guid>: all kept, and stable across polls', async () => {
    let version = 0;
    const items = () =>
      Array.from({ length: 6 }, (_, i) => ({ title: `Shared guid story ${i}`, link: `http://guid.test/${i}`, guid: 'same-guid-for-all', description: `Story ${i} of six under one guid.` }));
    upstream.route('/guid.xml', (_req, res) => {
      // The body changes every poll (so it is parsed again), and the order changes too.
      const list = version % 2 === 0 ? items() : items().reverse();
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`Guid feed v${version++}`, list));
    });
    await define('guid', [upstream.url('/guid.xml')]);
    const first = await pollDue(testPollerDeps(db), { ...run, ignoreSchedule: true });
    expect(first.outcomes[0]!.counts.new).toBe(6);
    const ids = (await db.selectFrom('articles').select('public_id').orderBy('public_id').execute()).map((r) => r.public_id);
    for (let i = 0; i < 2; i++) {
      const again = await pollDue(testPollerDeps(db), { ...run, ignoreSchedule: true });
      expect(again.outcomes[0]!.kind).toBe('new');
      expect(again.outcomes[0]!.counts).toMatchObject({ new: 0, duplicate: 0 });
    }
    expect((await db.selectFrom('articles').select('public_id').orderBy('public_id').execute()).map((r) => r.public_id)).toEqual(ids);
  });

  it('wrong Content-Type is sniffed; an HTML page, a challenge page and an empty 200 are "not a feed" and store nothing', async () => {
    const feed = rss('Sniffed', [{ title: 'Sniffed story one', link: 'http://sniff.test/1', guid: 's1' }]);
    upstream.route('/as-html.xml', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(feed));
    upstream.route('/as-octets', (_req, res) => void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(feed));
    upstream.route('/page.html', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><head><title>Home</title></head><body><p>Hello</p></body></html>'));
    upstream.route('/challenge', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="challenge-form">Checking your browser before accessing. Enable JavaScript and cookies to continue</div><script>/*cf*/</script></body></html>'));
    upstream.route('/empty', (_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(''));
    await define('sniff', ['/as-html.xml', '/as-octets', '/page.html', '/challenge', '/empty'].map((p) => upstream.url(p)));
    const summary = await pollDue(testPollerDeps(db), run);
    const byPath = Object.fromEntries(summary.outcomes.map((o) => [new URL(o.url).pathname, o]));
    expect(byPath['/as-html.xml']!.kind).toBe('new');
    expect(byPath['/as-octets']!.kind).toBe('new');
    for (const p of ['/page.html', '/challenge', '/empty']) {
      expect(byPath[p]!.kind, p).toBe('error');
      expect(byPath[p]!.error, p).toMatch(/not a feed|empty|challenge/i);
    }
    // One story, from the two sniffed sources (the same URL: one article).
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM articles')).n).toBe(1);
    const failing = await db.selectFrom('sources').select(['id', 'body_hash']).where('status', '=', 'erroring').execute();
    expect(failing).toHaveLength(3);
    expect(failing.every((s) => s.body_hash === null)).toBe(true);
  });

  it('a poller process killed mid-run: its claims wait for their lease, then are polled once by another, no duplicates', async () => {
    let hold = true;
    const served = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      upstream.route(`/k${i}.xml`, async (_req, res) => {
        served.set(i, (served.get(i) ?? 0) + 1);
        while (hold) await sleep(50);
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`k${i}`, [{ title: `Killed run story ${i}`, link: `http://k.test/${i}`, guid: `k${i}` }]));
      });
    }
    const feedsDir = await writeFeedsDir([{ slug: 'killed', sources: Array.from({ length: 6 }, (_, i) => ({ url: upstream.url(`/k${i}.xml`) })) }]);
    const env = { DATABASE_URL: database.url, FEEDS_DIR: feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', FETCH_TIMEOUT: '30s' };
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn('node_modules/.bin/tsx', ['src/entry/poll.ts'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore', detached: true });
      for (let i = 0; served.size < 2 && i < 400; i++) await sleep(50);
      expect(served.size).toBeGreaterThanOrEqual(2);
      // Kill the whole process group (tsx and the node it runs): a crash, nothing recorded.
      process.kill(-child.pid!, 'SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const leased = (await query<{ id: number }>(database.url, 'SELECT id FROM sources WHERE lease_owner IS NOT NULL')).map((r) => r.id);
      expect(leased.length).toBeGreaterThanOrEqual(served.size);
      hold = false;
      const urlOf = new Map((await query<{ id: number; url: string }>(database.url, 'SELECT id, url FROM sources')).map((r) => [r.id, r.url]));
      const leasedPaths = new Set(leased.map((id) => new URL(urlOf.get(id)!).pathname));
      // Another poller right away leaves the dead one's claims alone (their leases still run)…
      let before = new Map(served);
      const second = await runEntry('src/entry/poll.ts', [], env);
      expect(second.code, second.stderr).toBe(0);
      expect(Number(/polled (\d+) source/.exec(second.stdout)?.[1])).toBe(6 - leased.length);
      for (let i = 0; i < 6; i++) {
        if (leasedPaths.has(`/k${i}.xml`)) expect(served.get(i) ?? 0, `k${i}`).toBe(before.get(i) ?? 0);
      }
      // …and once the leases have expired (time moved on), the next one polls each of them once.
      await query(database.url, `UPDATE sources SET lease_until = now() - interval '1 second' WHERE lease_owner IS NOT NULL`);
      before = new Map(served);
      const third = await runEntry('src/entry/poll.ts', [], env);
      expect(third.code, third.stderr).toBe(0);
      expect(Number(/polled (\d+) source/.exec(third.stdout)?.[1])).toBe(leased.length);
      for (let i = 0; i < 6; i++) {
        expect((served.get(i) ?? 0) - (before.get(i) ?? 0), `k${i}`).toBe(leasedPaths.has(`/k${i}.xml`) ? 1 : 0);
      }
      const counts = await one<Record<string, number>>(`SELECT (SELECT count(*)::int FROM articles) AS articles, (SELECT count(*)::int FROM sources WHERE last_success_at IS NULL) AS never, (SELECT count(*)::int FROM sources WHERE lease_owner IS NOT NULL) AS leased`);
      expect(counts).toEqual({ articles: 6, never: 0, leased: 0 });
    } finally {
      hold = false;
      await rm(dirname(feedsDir), { recursive: true, force: true });
    }
  }, 90_000);
});
