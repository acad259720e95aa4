import { Migrator, type Kysely, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import type { Database } from './schema.ts';

const staticProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: staticProvider });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    const cause = result.error instanceof Error ? result.error.message || result.error.name : String(result.error);
    // No failed migration named: the migrator could not start (no connection, no lock table).
    throw new MigrationError(failed ? `migration ${failed} failed: ${cause}` : `migrations could not run: ${cause}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
