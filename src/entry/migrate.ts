// npm run migrate — applies migrations to the configured database and exits.
import { parseConfig } from '../config.ts';
import { consoleLogger, openMigrated } from './boot.ts';
import { fail } from './fail.ts';

async function main() {
  const config = parseConfig(process.env);
  const { database, applied } = await openMigrated(config, consoleLogger);
  try {
    console.log(applied.length > 0 ? `migrated: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await database.close();
  }
}

main().catch(fail);
