// Node side: a uniquely named database on the local Postgres (TEST_DATABASE_URL, or the machine's
// trust-auth server at 127.0.0.1:5432), migrated with src/store/migrate.ts, dropped by drop().
import pg from 'pg';
import { openPostgres } from '../../src/entry/database.ts';
import { silentLogger } from '../../src/log.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

const ADMIN_URL = process.env.TEST_DATABASE_URL?.trim() || 'postgres://root@127.0.0.1:5432/root';

export interface EdgeTestDatabase {
  name: string;
  /** For Node (`DATABASE_URL`). */
  url: string;
  /** For Hyperdrive, which insists on a password (trust auth ignores it). */
  hyperdriveUrl: string;
  drop(): Promise<void>;
}

async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

function withDatabase(name: string, password?: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (password !== undefined) url.password = password;
  return url.href;
}

export async function createEdgeTestDatabase(prefix: string): Promise<EdgeTestDatabase> {
  const name = `feedrelay_${prefix}_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 10)}`;
  await admin(`CREATE DATABASE "${name}"`);
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    const opened = openPostgres(withDatabase(name), silentLogger, { max: 1 });
    try {
      await migrateToLatest(opened.db);
    } finally {
      await opened.close();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: withDatabase(name), hyperdriveUrl: withDatabase(name, 'edge-tests'), drop };
}

/** Runs one statement on the test database (the tests' view from outside the app). */
export async function query<Row extends Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}
