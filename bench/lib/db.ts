// In-process database access for the benchmarks that call the pipeline directly.
import { silentLogger } from '../../src/log.ts';
import { openPostgres, type OpenedDatabase } from '../../src/entry/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createDatabase, type BenchDatabase } from './pg.ts';

export interface OpenBenchDatabase {
  bench: BenchDatabase;
  opened: OpenedDatabase;
  close(): Promise<void>;
}

/** A fresh migrated Postgres database, opened in this process with the service's pool settings. */
export async function openBenchDatabase(tag: string): Promise<OpenBenchDatabase> {
  const bench = await createDatabase(tag);
  const opened = openPostgres(bench.url, silentLogger);
  await migrateToLatest(opened.db);
  return {
    bench,
    opened,
    async close() {
      await opened.close();
      await bench.drop();
    },
  };
}
