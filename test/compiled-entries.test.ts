// `npm start` and `npm run poll` run an ahead-of-time bundle (scripts/run.mjs → dist/), with the
// dependencies bundled in; the other tests run the source under tsx. This runs the bundle itself:
// built, polling a real upstream on 127.0.0.1, serving feeds and pages, stopping on SIGTERM — on
// the embedded database (PGlite, which stays an external package) and on Postgres when set.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiled, entryEnvironment, entryTargets, runEntry, startService, type EntryEnvironment, type Service } from './helpers/processes.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

beforeAll(() => {
  // Built once up front (it is what the first `npm start` of a fresh clone does itself).
  execFileSync(process.execPath, ['scripts/run.mjs', '--build'], { stdio: 'pipe', timeout: 120_000 });
}, 150_000);

describe.each(entryTargets)('the compiled entries on $name', ({ postgres }) => {
  let upstream: Upstream;
  let world: EntryEnvironment;
  let env: Record<string, string>;
  let service: Service | null = null;

  beforeAll(async () => {
    upstream = await startUpstream();
    upstream.feed('/tech.xml', await readFile('test/fixtures/feeds/tech-rss.xml', 'utf8'));
    world = await entryEnvironment('feedrelay-compiled-', { 'tech.yaml': ['slug: tech', 'title: Tech fixture', 'sources:', `  - url: ${upstream.url('/tech.xml')}`] }, postgres);
    env = world.env;
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await upstream?.close();
    await world?.close();
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
