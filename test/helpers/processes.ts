// Runs the real entry points as child processes, the way `npm start` / `npm run poll` do.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASE_URL, createPostgresDatabase, type TestDatabase } from './databases.ts';

// `node --import tsx` rather than the tsx CLI: the CLI runs the entry in a grandchild process, so
// a SIGKILL to the child we hold would orphan the real service (still serving and polling).
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * What `npm start` / `npm run poll` run: scripts/run.mjs with the entry's name, which runs the
 * ahead-of-time bundle (dist/) rather than the source. `entry` of runEntry/startService.
 */
export const compiled = (name: 'node' | 'poll') => `compiled:${name}`;

/** The package.json script of a compiled entry, word for word, with this test's node binary. */
export function npmScriptCommand(name: 'start' | 'poll'): string[] {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts[name]!.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`package.json scripts.${name} does not start with node: ${scripts[name]}`);
  return [process.execPath, ...args];
}

function commandFor(entry: string): string[] {
  if (entry === compiled('node')) return npmScriptCommand('start');
  if (entry === compiled('poll')) return npmScriptCommand('poll');
  return [...NODE_TSX, entry];
}

export function runEntry(entry: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const [command, ...commandArgs] = commandFor(entry);
    const child = spawn(command!, [...commandArgs, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not finish in ${timeoutMs}ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Service {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
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

/** Starts src/entry/node.ts (or `entry`) and waits until /healthz answers 200. */
export async function startService(env: Record<string, string>, timeoutMs = 60_000, entry = 'src/entry/node.ts'): Promise<Service> {
  const port = await freePort();
  const [command, ...commandArgs] = commandFor(entry);
  const child = spawn(command!, commandArgs, {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The databases the entries run on in tests: the embedded PGlite always, Postgres when TEST_DATABASE_URL is set. */
export const entryTargets: { name: string; postgres: boolean }[] = [
  { name: 'embedded PGlite', postgres: false },
  ...(TEST_DATABASE_URL ? [{ name: 'Postgres', postgres: true }] : []),
];

export interface EntryEnvironment {
  /** A temporary directory holding feeds/ (and the embedded database's data/). */
  dir: string;
  /** What the entries need: FEEDS_DIR, the loopback upstream allowed, PUBLIC_URL, a short FETCH_TIMEOUT, the database. */
  env: Record<string, string>;
  /** The fresh Postgres database, or null on the embedded one. */
  database: TestDatabase | null;
  close(): Promise<void>;
}

/**
 * A temporary feeds/ holding `files` (name → YAML lines) and the environment to run the entries
 * on it: on a fresh Postgres database when `postgres`, else on PGlite in the directory.
 */
export async function entryEnvironment(prefix: string, files: Record<string, string[]>, postgres: boolean): Promise<EntryEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'feeds'));
  for (const [name, lines] of Object.entries(files)) await writeFile(join(dir, 'feeds', name), [...lines, ''].join('\n'));
  const env: Record<string, string> = { FEEDS_DIR: join(dir, 'feeds'), ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL: 'http://feeds.test', FETCH_TIMEOUT: '5s' };
  const database = postgres ? await createPostgresDatabase() : null;
  if (database) env.DATABASE_URL = database.url!;
  else env.DATA_DIR = join(dir, 'data');
  return {
    dir,
    env,
    database,
    async close() {
      await database?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
