// Whole processes, timed from spawn to exit, with the peak RSS of the largest process in the tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEAK = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));
let counter = 0;

export interface RunResult {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Largest peak RSS among the processes of the tree (MB), or null when none reported. */
  peakRssMb: number | null;
  /** CPU time (user + system) of the whole tree, ms. */
  cpuMs: number | null;
}

function rssFile(): string {
  return join(tmpdir(), `feedrelay-bench-rss-${process.pid}-${++counter}.jsonl`);
}

function readUsage(file: string): { peakRssMb: number | null; cpuMs: number | null } {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { maxRssMb: number; cpuMs: number });
    rmSync(file, { force: true });
    return { peakRssMb: Math.max(...lines.map((l) => l.maxRssMb)), cpuMs: lines.reduce((sum, l) => sum + l.cpuMs, 0) };
  } catch {
    return { peakRssMb: null, cpuMs: null };
  }
}

function childEnv(env: Record<string, string>, file: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...env,
    NODE_OPTIONS: `--require ${PEAK}`,
    BENCH_RSS_FILE: file,
  };
}

const groups = new Set<number>();

/** Kills every process group this module started that is still running (an interrupted run). */
export function killAll(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 300_000): Promise<RunResult> {
  const file = rssFile();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: childEnv(env, file), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid) groups.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      void (async () => {
        // The exit handlers of grandchildren may land a moment after the top process exits.
        for (let i = 0; i < 200 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 25));
        groups.delete(child.pid!);
        resolve({ ms, code, stdout, stderr, ...readUsage(file) });
      })();
    });
  });
}

export interface Started {
  child: ChildProcess;
  /** ms from spawn until `ready` resolved. */
  readyMs: number;
  output(): string;
  /** SIGTERM to the process group; resolves with the peak RSS (MB) once everything has exited. */
  stop(): Promise<number | null>;
}

/** Spawns a long-running process in its own group and waits for `ready()` to return true. */
export async function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: (output: () => string) => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<Started> {
  const file = rssFile();
  const started = performance.now();
  const child = spawn(command, args, { env: childEnv(env, file), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid) groups.add(child.pid);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    if (await ready(() => output).catch(() => false)) break;
    if (performance.now() - started > timeoutMs) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`${command} ${args.join(' ')} not ready in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - started;
  return {
    child,
    readyMs,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 15_000);
        await exited;
        clearTimeout(timer);
      }
      // Children (tsx runs the entry in a child node) may still be shutting down: wait for the
      // whole group, so every process has written its usage line.
      for (let i = 0; i < 300 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
      groups.delete(child.pid!);
      return readUsage(file).peakRssMb;
    },
  };
}
