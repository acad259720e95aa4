// Shared set-up: feeds/ directories, our service and the bare servers as child processes.
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type Started } from './proc.ts';

export const TSX = 'node_modules/.bin/tsx';
/** A package.json script as a command and its arguments (they are plain words, no shell syntax). */
function script(name: 'start' | 'poll'): [string, string[]] {
  const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts[name]!.trim().split(/\s+/);
  return [command!, args];
}

/** What `npm start` and `npm run poll` run (package.json, node flags included), without npm's own start-up. */
export const START = script('start');
export const POLL = script('poll');
export const SLUG = 'kejiribao';

const dirs: string[] = [];

export async function tempDir(tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `feedrelay-bench-${tag}-`));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** A FEEDS_DIR holding the anchor category (科技日报新闻) with these sources. */
export async function anchorFeedsDir(urls: string[]): Promise<string> {
  const dir = join(await tempDir('feeds'), 'feeds');
  await mkdir(dir);
  await writeFile(
    join(dir, `${SLUG}.yaml`),
    `slug: ${SLUG}\ntitle: 科技日报新闻\ndescription: 科技日报的科技创新新闻\nlanguage: zh-CN\nsources:\n${urls.map((u) => `  - url: ${u}\n`).join('')}`,
  );
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`);
  await res.arrayBuffer();
  return res.status === 200;
}

export interface Service extends Started {
  url: string;
}

/** Our service as `npm start` runs it, ready when /healthz answers 200. */
export async function startService(env: Record<string, string>, command: [string, string[]] = START): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await start(command[0], command[1], { ...env, PORT: String(port) }, () => healthy(url), 120_000);
  return { ...started, url };
}

/** bench/bare/serve-bytes.mjs serving `body` with `headers`. */
export async function startBareBytes(body: Buffer, headers: Record<string, string>): Promise<Service> {
  const dir = await tempDir('bare');
  await writeFile(join(dir, 'body'), body);
  await writeFile(join(dir, 'headers.json'), JSON.stringify(headers));
  let port = '';
  const started = await start('node', ['bench/bare/serve-bytes.mjs', join(dir, 'body'), join(dir, 'headers.json')], {}, async (output) => {
    port = /^(\d+)$/m.exec(output())?.[1] ?? '';
    return port !== '';
  });
  return { ...started, url: `http://127.0.0.1:${port}` };
}
