// A uniquely named Postgres database per benchmark on the local server (trust auth), dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || 'postgres://root@127.0.0.1:5432/root';

async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const created = new Set<string>();

export async function createDatabase(tag: string): Promise<BenchDatabase> {
  const name = `feedrelay_bench_${tag}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  created.add(name);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.href,
    async drop() {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      created.delete(name);
    },
  };
}

/** Drops whatever is still there (a benchmark that failed half-way). */
export async function dropAll(): Promise<void> {
  for (const name of [...created]) {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    created.delete(name);
  }
}
