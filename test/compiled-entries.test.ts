// `npm start` and `npm run poll` run an ahead-of-time bundle (scripts/run.mjs → dist/), with the
// dependencies bundled in; the other tests run the source under tsx. This runs the bundle itself:
// built, polling a real upstream on 127.0.0.1, serving feeds and pages, stopping on SIGTERM — on
// the embedded database (PGlite, which stays an external package) and on Postgres when set.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiled, entryEnvironment, entryTargets, npmScriptCommand, runEntry, startService, type EntryEnvironment, type Service } from './helpers/processes.ts';
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
    // npm start's own command line, node flags included (docs/performance.md: without
    // --no-memory-reducer, about one process in three served 304s ~25 % slower for its lifetime).
    expect(npmScriptCommand('start').slice(1, 3)).toEqual(['--no-memory-reducer', 'scripts/run.mjs']);
    expect(readFileSync(`/proc/${service.child.pid}/cmdline`, 'utf8').split('\0')).toContain('--no-memory-reducer');
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

describe('the poll bundle', () => {
  // What each thread of `npm run poll` loads before its first line runs: a bundle's static imports,
  // followed through its chunks.
  const staticGraph = (dir: string, file: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(file)) return seen;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    // `import "./x";`, `import { a } from "./x";`, or the last line `} from "./x";` of a longer
    // one; never `import("./x")`, which loads only when called.
    for (const match of text.matchAll(/^(?:import\b[^"(\n]*|\}\s*from\s*)"\.\/([^"]+)";?$/gm)) staticGraph(dir, match[1]!, seen);
    return seen;
  };
  const loads = (dir: string, files: Set<string>, module: string) =>
    [...files].some((file) => readFileSync(join(dir, file), 'utf8').includes(`// node_modules/${module}/`));

  it('leaves the parsing code to the parse thread: the main thread does not load it', () => {
    const dir = readdirSync('dist')
      .filter((entry) => entry.startsWith('entry-') && !entry.endsWith('.tmp'))
      .map((entry) => join('dist', entry))[0]!;
    // The main thread: the entry, then the poll it imports once the parse thread is starting.
    const pollOnce = /import\("\.\/(poll-once-[^"]+)"\)/.exec(readFileSync(join(dir, 'poll.mjs'), 'utf8'))?.[1];
    expect(pollOnce).toBeDefined();
    const main = staticGraph(dir, 'poll.mjs');
    staticGraph(dir, pollOnce!, main);
    const worker = staticGraph(dir, 'parse-worker.mjs');
    for (const module of ['rss-parser', 'sanitize-html', 'iconv-lite', 'htmlparser2']) {
      expect(loads(dir, worker, module), `the parse thread loads ${module}`).toBe(true);
      expect(loads(dir, main, module), `the main thread loads ${module}`).toBe(false);
    }
    for (const module of ['kysely', 'pg', 'undici']) expect(loads(dir, main, module), `the main thread loads ${module}`).toBe(true);
  });
});
