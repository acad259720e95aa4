// The databases every store test runs on: an in-memory PGlite always, and the real Postgres in
// TEST_DATABASE_URL when set (CI). Each Postgres run creates its own uniquely named database and
// drops it afterwards; nothing depends on leftovers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPGlite, openPostgres, type OpenedDatabase } from '../../src/entry/database.ts';
import { silentLogger } from '../../src/log.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

export interface TestDatabase extends OpenedDatabase {
  name: string;
  /** postgres:// URL of this database (Postgres only), for child processes. */
  url: string | null;
}

export interface DatabaseFactory {
  name: 'pglite' | 'postgres';
  open(): Promise<TestDatabase>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || null;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

async function adminQuery(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL!, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated Postgres database; dropped by close(). */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `feedrelay_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = withDatabase(TEST_DATABASE_URL!, name);
  const opened = openPostgres(url, silentLogger, { max: 5 });
  await migrateToLatest(opened.db);
  return {
    ...opened,
    name: 'postgres',
    url,
    async close() {
      await opened.close();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function createPGliteDatabase(): Promise<TestDatabase> {
  const opened = await openPGlite(null);
  await migrateToLatest(opened.db);
  return { ...opened, name: 'pglite', url: null };
}

export const databases: DatabaseFactory[] = [
  { name: 'pglite', open: createPGliteDatabase },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres' as const, open: createPostgresDatabase }] : []),
];
