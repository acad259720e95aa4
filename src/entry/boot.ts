// What every Node command does first: config from the environment, the database, migrations,
// feeds/ synced. A failure here is fatal and names its cause.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { configuredPollerDeps, type PollerDeps } from '../poller/poll-source.ts';
import { syncCategoryDefinitions, type SyncReport } from '../store/catalog.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { openDatabase, type OpenedDatabase } from './database.ts';
import { loadFeedsDir } from './feeds-dir.ts';
import { createNodeFetch } from './node-fetch.ts';

export const consoleLogger: Logger = createLogger((level, line) => {
  if (level === 'info') console.log(line);
  else console.error(line);
});

export interface Booted {
  config: Config;
  database: OpenedDatabase;
  sync: SyncReport;
  log: Logger;
}

export async function boot(env: Record<string, string | undefined>, log: Logger = consoleLogger): Promise<Booted> {
  const config = parseConfig(env);
  // Parse feeds/ before touching the database: a bad file must stop start-up without side effects.
  const definitions = await loadFeedsDir(config.feedsDir);
  const database = await openDatabase(config, log);
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info('database: migrated', { applied });
    const sync = await syncCategoryDefinitions(database.db, definitions);
    for (const url of sync.deletedSkipped) {
      log.warn('feeds: source is listed in feeds/ but was deleted through the admin API; not restoring it', { url });
    }
    return { config, database, sync, log };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export function pollerDeps(booted: Booted): PollerDeps {
  const { config, database, log } = booted;
  return configuredPollerDeps(config, {
    db: database.db,
    fetch: createNodeFetch(config.allowPrivateUpstreams),
    log,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  });
}

