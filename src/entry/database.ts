// Opens the one Kysely<Database> for a Node process: a pg Pool when DATABASE_URL is set, an
// embedded PGlite persisted in DATA_DIR otherwise. Only entry files touch pg or PGlite.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../store/schema.ts';
import type { Logger } from '../log.ts';
import { pgTypes } from './pg-types.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Closes the pool or the embedded database. Idempotent. */
  close(): Promise<void>;
}

export interface PostgresOptions {
  max?: number;
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
}

export function openPostgres(url: string, log: Logger, options: PostgresOptions = {}): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // pg waits forever for a free connection by default; bound it so a saturated pool fails fast.
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMillis ?? 30_000,
    types: pgTypes,
  });
  // Without a listener, an idle client's error (server restart) crashes the process.
  pool.on('error', (error) => log.warn('database: idle connection error', { error: error.message }));
  // The pool listens only to idle clients: a connection that dies while checked out (a server
  // restart between two statements of a transaction) emits 'error' on its client, and unheard
  // that kills the process. The statement in flight, if any, fails on its own.
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn('database: connection lost', { error: error.message }));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'postgres',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export async function openPGlite(dataDir: string | null): Promise<OpenedDatabase> {
  // Imported lazily: PGlite's WebAssembly costs start-up time and memory that a pg deployment
  // never needs.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
  ]);
  let client: InstanceType<typeof PGlite>;
  if (dataDir === null) {
    client = await PGlite.create();
  } else {
    const path = resolve(dataDir, 'pglite');
    await mkdir(path, { recursive: true });
    client = await PGlite.create(path);
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  let closed = false;
  return {
    db,
    kind: 'pglite',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export function openDatabase(
  config: { databaseUrl: string | null; dataDir: string },
  log: Logger,
): Promise<OpenedDatabase> {
  if (config.databaseUrl) return Promise.resolve(openPostgres(config.databaseUrl, log));
  return openPGlite(config.dataDir);
}
