// npm run migrate — applies migrations to the configured database and exits.
import { parseConfig } from '../config.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { consoleLogger } from './boot.ts';
import { fail } from './fail.ts';
import { openDatabase } from './database.ts';

async function main() {
  const config = parseConfig(process.env);
  const database = await openDatabase(config, consoleLogger);
  try {
    const applied = await migrateToLatest(database.db);
    console.log(applied.length > 0 ? `migrated: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await database.close();
  }
}

main().catch(fail);
