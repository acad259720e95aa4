// What every Node command does first: config from the environment, the database, migrations,
// feeds/ synced. A failure here is fatal and names its cause.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { configuredPollerDeps, type PollerDeps } from '../poller/poll-source.ts';
import { syncCategoryDefinitions, type SyncReport } from '../store/catalog.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { isDatabaseUnavailable } from '../store/unavailable.ts';
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
  const { database, applied } = await openMigrated(config, log);
  try {
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

/** The configured database, opened and migrated; a failure names the variable that chose it. */
export async function openMigrated(config: Config, log: Logger): Promise<{ database: OpenedDatabase; applied: string[] }> {
  const database = await openDatabase(config, log).catch((error: unknown) => {
    throw databaseStartError(config, error, 'open');
  });
  try {
    const applied = await migrateToLatest(database.db);
    return { database, applied };
  } catch (error) {
    await database.close();
    throw databaseStartError(config, error, 'migrate');
  }
}

/**
 * A database that cannot be opened or reached at start-up, said in the operator's terms: the
 * variable that chose it, where it points (no password), and the cause. Other errors (a migration
 * that failed on a database that answers) keep their own words.
 */
function databaseStartError(config: Pick<Config, 'databaseUrl' | 'dataDir'>, error: unknown, stage: 'open' | 'migrate'): Error {
  const cause = error instanceof Error ? error.message || error.name : String(error);
  if (config.databaseUrl === null) {
    if (stage === 'migrate') return error instanceof Error ? error : new Error(cause);
    return new Error(`DATA_DIR: cannot open the embedded database in ${JSON.stringify(config.dataDir)}: ${cause}`, { cause: error });
  }
  const inner = (error as { cause?: unknown })?.cause;
  const where = withoutPassword(config.databaseUrl);
  if (isDatabaseUnavailable(error) || isDatabaseUnavailable(inner)) {
    return new Error(`DATABASE_URL: cannot reach the database at ${where}: ${cause}`, { cause: error });
  }
  if (namesWrongDatabase(error) || namesWrongDatabase(inner)) {
    return new Error(`DATABASE_URL: the server refused ${where}: ${cause}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(cause);
}

// SQLSTATE 3D000: no such database; class 28: the role or its password was refused. Both are what
// DATABASE_URL says, not what the migrations do.
function namesWrongDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === '3D000' || code.startsWith('28'));
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(an unparseable URL)';
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

