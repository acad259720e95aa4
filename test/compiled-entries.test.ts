// `npm start` and `npm run poll` run an ahead-of-time bundle (scripts/run.mjs → dist/), with the
// dependencies bundled in; the other tests run the source under tsx. This runs the bundle itself:
// built, polling a real upstream on 127.0.0.1, serving feeds and pages, stopping on SIGTERM — on
// the embedded database (PGlite, which stays an external package) and on Postgres when set.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/databases.ts';
import { compiled, runEntry, startService, type Service } from './helpers/processes.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const targets = [{ name: 'embedded PGlite', postgres: false }, ...(TEST_DATABASE_URL ? [{ name: 'Postgres', postgres: true }] : [])];

beforeAll(() => {
  // Built once up front (it is what the first `npm start` of a fresh clone does itself).
  execFileSync(process.execPath, ['scripts/run.mjs', '--build'], { stdio: 'pipe', timeout: 120_000 });
}, 150_000);

describe.each(targets)('the compiled entries on $name', ({ postgres }) => {
  let upstream: Upstream;
  let dir: string;
  let database: TestDatabase | null = null;
  let env: Record<string, string>;
  let service: Service | null = null;

  beforeAll(async () => {
    upstream = await startUpstream();
    upstream.feed('/tech.xml', await readFile('test/fixtures/feeds/tech-rss.xml', 'utf8'));
    dir = await mkdtemp(join(tmpdir(), 'feedrelay-compiled-'));
    await mkdir(join(dir, 'feeds'));
    await writeFile(join(dir, 'feeds', 'tech.yaml'), ['slug: tech', 'title: Tech fixture', 'sources:', `  - url: ${upstream.url('/tech.xml')}`, ''].join('\n'));
    env = { FEEDS_DIR: join(dir, 'feeds'), ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL: 'http://feeds.test', FETCH_TIMEOUT: '5s' };
    if (postgres) {
      database = await createPostgresDatabase();
      env.DATABASE_URL = database.url!;
    } else {
      env.DATA_DIR = join(dir, 'data');
    }
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await upstream?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('polls through the bundle (parse thread included), not from source', async () => {
    const result = await runEntry(compiled('poll'), ['--all'], env);
    // run.mjs falls back to tsx, saying so, when the bundle cannot be built or loaded.
    expect(result.stderr).not.toMatch(/running from source|Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/polled 1 source\(s\).*3 new.*0 failed/);
  });

  it('serves feeds and pages through the bundle and stops on SIGTERM', async () => {
    service = await startService({ ...env, POLLING: 'off' }, 60_000, compiled('node'));
    const rss = await fetch(`${service.url}/feeds/tech.rss`);
    expect(rss.status).toBe(200);
    expect(await rss.text()).toContain('Battery breakthrough');
    const gzip = await fetch(`${service.url}/feeds/tech.atom`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.status).toBe(200);
    expect(await gzip.text()).toContain('<title type="text">Battery breakthrough</title>');
    const page = await fetch(`${service.url}/category/tech`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Battery breakthrough');
    expect(service.output()).not.toMatch(/running from source/);
    expect(await service.stop('SIGTERM')).toBe(0);
    service = null;
  });
});
