// The whole product as users run it: the real entry points in child processes, a real upstream on
// 127.0.0.1, the category feed read over HTTP. On the embedded database always, and on the
// Postgres in TEST_DATABASE_URL when set.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryEnvironment, entryTargets, freePort, runEntry, startService, type EntryEnvironment, type Service } from './helpers/processes.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const techRss = readFileSync('test/fixtures/feeds/tech-rss.xml', 'utf8');

describe.each(entryTargets)('end to end on $name', ({ postgres }) => {
  let upstream: Upstream;
  let world: EntryEnvironment;
  let env: Record<string, string>;
  let service: Service | null = null;

  beforeAll(async () => {
    upstream = await startUpstream();
    upstream.feed('/tech.xml', techRss);
    world = await entryEnvironment(
      'feedrelay-e2e-',
      {
        'tech.yaml': [
          'slug: tech',
          'title: Tech fixture',
          'language: en',
          'sources:',
          `  - url: ${upstream.url('/tech.xml')}`,
          // Loopback but outside the allowlist: refused by the address guard, marked erroring.
          '  - url: http://127.0.0.2:9/unreachable.xml',
        ],
      },
      postgres,
    );
    env = world.env;
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await upstream?.close();
    await world?.close();
  });

  it('npm run poll stores the articles and exits 0 even though one upstream fails', async () => {
    const result = await runEntry('src/entry/poll.ts', ['--all'], env);
    expect(result.stderr).not.toMatch(/feedrelay: /);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(upstream.url('/tech.xml'));
    expect(result.stdout).toMatch(/new=3/);
    expect(result.stdout).toMatch(/polled 2 source\(s\).*3 new.*1 failed/);
    expect(upstream.hits.get('/tech.xml')?.[0]?.headers['user-agent']).toMatch(/^feedrelay\/\d+\.\d+\.\d+ \(\+http:\/\/feeds\.test\)$/);
  });

  it('npm run poll --source polls the source named, however its URL is spelled, and says why it will not', async () => {
    const spelled = upstream.url('/tech.xml').replace('http://127.0.0.1', 'HTTP://127.0.0.1');
    const one = await runEntry('src/entry/poll.ts', ['--source', spelled], env);
    expect(one.stderr).not.toMatch(/feedrelay: /);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/polled 1 source\(s\)/);

    const unknown = await runEntry('src/entry/poll.ts', ['--source', upstream.url('/nothing-here.xml')], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`feedrelay: --source: no source with URL ${upstream.url('/nothing-here.xml')}`);

    // Dropped from feeds/: still a source, no longer polled; asked for by name, the command says so.
    const file = join(world.dir, 'feeds', 'tech.yaml');
    const original = await readFile(file, 'utf8');
    try {
      await writeFile(file, original.replace(/^ {2}- url: http:\/\/127\.0\.0\.2:9\/unreachable\.xml\n/m, ''));
      const dropped = await runEntry('src/entry/poll.ts', ['--source', 'http://127.0.0.2:9/unreachable.xml'], env);
      expect(dropped.code).toBe(1);
      expect(dropped.stderr).toMatch(/^feedrelay: --source: source \d+ is no longer listed in feeds\/; /m);
      expect(dropped.stdout).not.toMatch(/polled 0 source/);
    } finally {
      await writeFile(file, original);
    }
  });

  it('serves /healthz and the category feed over HTTP', async () => {
    service = await startService({ ...env, POLLING: 'off' });
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const rss = await fetch(`${service.url}/feeds/tech.rss`);
    expect(rss.status).toBe(200);
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const body = await rss.text();
    expect(body).toContain('Battery breakthrough');
    expect(body).toContain('Quantum chip reaches new milestone');
    expect(body).toContain('<atom:link rel="self" type="application/rss+xml" href="http://feeds.test/feeds/tech.rss"/>');

    const atom = await fetch(`${service.url}/feeds/tech.atom`);
    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(await atom.text()).toContain('<title type="text">Battery breakthrough</title>');

    const json = (await (await fetch(`${service.url}/feeds/tech.json`)).json()) as { version: string; items: unknown[] };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items).toHaveLength(3);

    const etag = rss.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const again = await fetch(`${service.url}/feeds/tech.rss`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const missing = await fetch(`${service.url}/feeds/nope.rss`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('nope');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await service!.stop('SIGTERM')).toBe(0);
    expect(service!.output()).toMatch(/SIGTERM received, shutting down/);
    service = null;
  });
});

describe('start-up with bad configuration', () => {
  it('stops naming the file, line and field of an invalid category file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedrelay-badcfg-'));
    try {
      await writeFile(join(dir, 'news.yaml'), 'slug: news\ntitle: News\nsources:\n  - url: gopher://example.org/feed\n');
      const result = await runEntry('src/entry/node.ts', [], { FEEDS_DIR: dir, DATA_DIR: join(dir, 'data'), PORT: '0' });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/news\.yaml:4: sources\[0\]\.url: must be an absolute http:\/\/ or https:\/\/ URL/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops naming the variable of a bad environment value', async () => {
    const result = await runEntry('src/entry/node.ts', [], { POLL_INTERVAL: 'often' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/POLL_INTERVAL/);
  });

  it('stops naming DATABASE_URL, without its password, when the database cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedrelay-nodb-'));
    try {
      // A loopback port nothing listens on: refused at once.
      const port = await freePort();
      const url = `postgres://feeder:s3cret-pw@127.0.0.1:${port}/feedrelay`;
      for (const entry of ['src/entry/node.ts', 'src/entry/migrate.ts', 'src/entry/poll.ts']) {
        const result = await runEntry(entry, [], { DATABASE_URL: url, FEEDS_DIR: dir, PORT: '0' });
        expect(result.code, entry).toBe(1);
        expect(result.stderr, entry).toMatch(new RegExp(`^feedrelay: DATABASE_URL: cannot reach the database at postgres://feeder:\\*\\*\\*@127\\.0\\.0\\.1:${port}/feedrelay: .*ECONNREFUSED`, 'm'));
        expect(result.stderr, entry).not.toContain('s3cret-pw');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('stops naming DATABASE_URL when the server has no such database or refuses the role', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedrelay-wrongdb-'));
    try {
      const missing = new URL(process.env.TEST_DATABASE_URL!);
      missing.pathname = `/feedrelay_no_such_database_${process.pid}`;
      const noRole = new URL(process.env.TEST_DATABASE_URL!);
      noRole.username = `feedrelay_no_such_role_${process.pid}`;
      for (const [url, reason] of [
        [missing.href, /database "feedrelay_no_such_database_\d+" does not exist/],
        [noRole.href, /role "feedrelay_no_such_role_\d+" does not exist/],
      ] as const) {
        const result = await runEntry('src/entry/migrate.ts', [], { DATABASE_URL: url, FEEDS_DIR: dir });
        expect(result.code, url).toBe(1);
        expect(result.stderr, url).toMatch(/^feedrelay: DATABASE_URL: the server refused postgres:\/\//m);
        expect(result.stderr, url).toMatch(reason);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops naming DATA_DIR when the embedded database cannot be opened there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedrelay-baddata-'));
    try {
      const file = join(dir, 'not-a-directory');
      await writeFile(file, 'x');
      const result = await runEntry('src/entry/node.ts', [], { DATA_DIR: file, FEEDS_DIR: dir, PORT: '0' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^feedrelay: DATA_DIR: cannot open the embedded database in "${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": .*ENOTDIR`, 'm'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
