// A Postgres cluster of the test's own: `initdb` into a temporary folder, `pg_ctl` on a spare
// port of 127.0.0.1, so a test may stop, crash and restart it without touching the shared server
// on 5432. Run as the `postgres` user when the tests run as root (initdb refuses root).
//
// Without initdb/pg_ctl the suites that need a cluster are skipped, saying so, except under
// CI=true, where their absence fails (see `clusterSupport`).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../helpers/processes.ts';

const run = promisify(execFile);

export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

function findBinDir(): string | null {
  const explicit = process.env.PG_BIN_DIR?.trim();
  if (explicit) return existsSync(join(explicit, 'initdb')) ? explicit : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function postgresUid(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

export interface ClusterSupport {
  available: boolean;
  /** Why not, in words (empty when available). */
  reason: string;
  /** Skip (outside CI, missing tools) rather than fail. */
  skip: boolean;
}

const BIN = findBinDir();
const AS_ROOT = userInfo().uid === 0;
const PG_USER = AS_ROOT ? postgresUid() : null;

export const clusterSupport: ClusterSupport = (() => {
  let reason = '';
  if (!BIN) reason = 'initdb/pg_ctl not found under /usr/lib/postgresql/*/bin (apt-get install postgresql, or set PG_BIN_DIR)';
  else if (AS_ROOT && !PG_USER) reason = 'running as root and there is no `postgres` user to run initdb as (initdb refuses root)';
  return { available: reason === '', reason, skip: reason !== '' && !IN_CI };
})();

/** Logs the skip plainly; under CI=true the suite runs and fails on the missing tools instead. */
export function announceSkip(suite: string, support: ClusterSupport = clusterSupport): void {
  if (support.skip) console.warn(`${suite}: SKIPPED — ${support.reason}. (Under CI=true this fails instead.)`);
}

export interface PrivateCluster {
  port: number;
  /** postgres://root@127.0.0.1:port/<db> */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop; `immediate` is a crash (no checkpoint, recovery on the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops the server and removes its folder. Idempotent. */
  destroy(): Promise<void>;
}

const live = new Set<PrivateCluster>();
process.once('exit', () => {
  // A test process that dies must not leave a server behind.
  for (const cluster of live) void cluster.destroy();
});

async function pgCtl(args: string[], dataDir: string): Promise<void> {
  const cmd = join(BIN!, 'pg_ctl');
  const full = ['-D', dataDir, ...args];
  if (AS_ROOT) await run('runuser', ['-u', 'postgres', '--', cmd, ...full], { timeout: 60_000 });
  else await run(cmd, full, { timeout: 60_000 });
}

function pgCtlSync(args: string[], dataDir: string): void {
  const cmd = join(BIN!, 'pg_ctl');
  const full = ['-D', dataDir, ...args];
  try {
    if (AS_ROOT) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...full], { stdio: 'ignore', timeout: 30_000 });
    else execFileSync(cmd, full, { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // already stopped
  }
}

/**
 * initdb + pg_ctl start on a free port of 127.0.0.1 (trust auth, user root, no TCP elsewhere,
 * socket in the cluster's own folder). fsync is off for speed: a crash of the server process
 * (`stop('immediate')`) still keeps every committed transaction, since the OS keeps the writes;
 * synchronous_commit stays on so "committed" means written.
 */
export async function startPrivateCluster(options: { maxConnections?: number } = {}): Promise<PrivateCluster> {
  if (!clusterSupport.available) throw new Error(`private Postgres cluster: ${clusterSupport.reason}`);
  const root = mkdtempSync(join(tmpdir(), 'feedrelay-pg-'));
  if (PG_USER) chownSync(root, PG_USER.uid, PG_USER.gid);
  const dataDir = join(root, 'data');
  const initdb = join(BIN!, 'initdb');
  const initArgs = ['-D', dataDir, '-A', 'trust', '-U', 'root', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'];
  if (AS_ROOT) await run('runuser', ['-u', 'postgres', '--', initdb, ...initArgs], { timeout: 60_000 });
  else await run(initdb, initArgs, { timeout: 60_000 });

  let port = 0;
  let running = false;
  const serverOptions = () =>
    [
      `-p ${port}`,
      `-k ${root}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c full_page_writes=off',
      `-c max_connections=${options.maxConnections ?? 100}`,
      '-c shared_buffers=32MB',
    ].join(' ');
  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      if (port === 0 || attempt > 0) port = await freePort();
      try {
        await pgCtl(['-o', serverOptions(), '-l', join(root, 'server.log'), '-w', '-t', '30', 'start'], dataDir);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    running = true;
  };
  await start();
  const fixedPort = port;

  const cluster: PrivateCluster = {
    port: fixedPort,
    url: (database = 'postgres') => `postgres://root@127.0.0.1:${fixedPort}/${database}`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: cluster.url('postgres'), connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return cluster.url(name);
    },
    async stop(mode = 'fast') {
      await pgCtl(['-m', mode, '-w', '-t', '30', 'stop'], dataDir);
      running = false;
    },
    async start() {
      // Same port as before: clients hold the URL.
      await pgCtl(['-o', serverOptions(), '-l', join(root, 'server.log'), '-w', '-t', '30', 'start'], dataDir);
      running = true;
    },
    isRunning: () => running,
    async destroy() {
      if (!live.has(cluster)) return;
      live.delete(cluster);
      pgCtlSync(['-m', 'immediate', '-w', 'stop'], dataDir);
      running = false;
      rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  return cluster;
}

/** Waits until a fresh connection answers `SELECT 1`. */
export async function waitForDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One query on a fresh connection (the test's own view of the database, never the app's pool). */
export async function query<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface FaultDatabase {
  /** Where the database lives: its own cluster, or a database on the shared server. */
  where: 'private cluster' | 'TEST_DATABASE_URL';
  url: string;
  cluster: PrivateCluster | null;
  close(): Promise<void>;
}

const SHARED_URL = process.env.TEST_DATABASE_URL?.trim() || null;

/** Tests that need some Postgres (not one they may crash) run on a private cluster, else on TEST_DATABASE_URL. */
export const postgresSupport: ClusterSupport = clusterSupport.available || SHARED_URL
  ? { available: true, reason: '', skip: false }
  : { available: false, reason: `${clusterSupport.reason}, and TEST_DATABASE_URL is not set`, skip: !IN_CI };

/** A fresh, empty database (the entry points migrate it on start). */
export async function openFaultDatabase(): Promise<FaultDatabase> {
  const name = `feedrelay_faults_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
  if (clusterSupport.available) {
    const cluster = await startPrivateCluster();
    const url = await cluster.createDatabase(name);
    return { where: 'private cluster', url, cluster, close: () => cluster.destroy() };
  }
  if (!SHARED_URL) throw new Error(`no Postgres for the fault suite: ${postgresSupport.reason}`);
  const admin = new URL(SHARED_URL);
  await query(admin.href, `CREATE DATABASE "${name}"`);
  const url = new URL(SHARED_URL);
  url.pathname = `/${name}`;
  return {
    where: 'TEST_DATABASE_URL',
    url: url.href,
    cluster: null,
    close: () => query(admin.href, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}
