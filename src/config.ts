// Typed configuration parsed from an environment record. Pure: the entry files pass
// `process.env` (Node) or the Workers `env` bindings; nothing here reads a runtime.
import { AllowlistError, parseAllowlist } from './fetcher/address-guard.ts';

export interface Config {
  databaseUrl: string | null;
  dataDir: string;
  port: number;
  publicUrl: string;
  feedsDir: string;
  adminToken: string | null;
  pollIntervalSeconds: number;
  /**
   * How a source without an interval of its own is scheduled: `fixed` every POLL_INTERVAL (the
   * default, as SPEC says), or `entry-frequency`: a week divided by last week's entries, between
   * POLL_INTERVAL and 6 h (scheduler/policy.ts).
   */
  pollScheduler: PollScheduler;
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
  allowPrivateUpstreams: string[];
  retentionDays: number;
  polling: boolean;
}

export const POLL_SCHEDULERS = ['fixed', 'entry-frequency'] as const;
export type PollScheduler = (typeof POLL_SCHEDULERS)[number];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`config: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type EnvRecord = Record<string, string | undefined>;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90s`, `15m`, `2h`, `1d`, `500ms` into seconds; a bare number is seconds. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = DURATION.exec(trimmed);
  if (!match) return null;
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

function value(env: EnvRecord, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function duration(env: EnvRecord, name: string, fallback: string, min: number): number {
  const text = value(env, name) ?? fallback;
  const seconds = parseDuration(text);
  if (seconds === null) throw new ConfigError(name, `"${text}" is not a duration (use e.g. 90s, 15m, 2h)`);
  if (seconds < min) throw new ConfigError(name, `"${text}" is shorter than the minimum of ${min}s`);
  return seconds;
}

function integer(env: EnvRecord, name: string, fallback: number, min: number, max: number): number {
  const text = value(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(name, `${n} is outside ${min}..${max}`);
  return n;
}

function absoluteHttpUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, `"${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${text}" must be http or https`);
  }
  // Self links are built by appending paths, so keep no trailing slash.
  return url.href.replace(/\/+$/, '');
}

export function parseConfig(env: EnvRecord): Config {
  const port = integer(env, 'PORT', 8787, 0, 65535);
  const databaseUrl = value(env, 'DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const allowPrivateUpstreams = (value(env, 'ALLOW_PRIVATE_UPSTREAMS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  try {
    parseAllowlist(allowPrivateUpstreams);
  } catch (error) {
    if (error instanceof AllowlistError) {
      throw new ConfigError('ALLOW_PRIVATE_UPSTREAMS', error.message.replace(/^ALLOW_PRIVATE_UPSTREAMS: /, ''));
    }
    throw error;
  }
  const pollingText = (value(env, 'POLLING') ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(pollingText)) {
    throw new ConfigError('POLLING', `"${pollingText}" must be on or off`);
  }
  const scheduler = (value(env, 'POLL_SCHEDULER') ?? 'fixed').toLowerCase();
  if (!(POLL_SCHEDULERS as readonly string[]).includes(scheduler)) {
    throw new ConfigError('POLL_SCHEDULER', `"${scheduler}" must be one of ${POLL_SCHEDULERS.join(', ')}`);
  }
  return {
    databaseUrl,
    dataDir: value(env, 'DATA_DIR') ?? './data',
    port,
    publicUrl: absoluteHttpUrl('PUBLIC_URL', value(env, 'PUBLIC_URL') ?? `http://localhost:${port}`),
    feedsDir: value(env, 'FEEDS_DIR') ?? './feeds',
    adminToken: value(env, 'ADMIN_TOKEN') ?? null,
    pollIntervalSeconds: duration(env, 'POLL_INTERVAL', '15m', 60),
    pollScheduler: scheduler as PollScheduler,
    fetchTimeoutMs: duration(env, 'FETCH_TIMEOUT', '20s', 0.1) * 1000,
    fetchMaxBytes: integer(env, 'FETCH_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    allowPrivateUpstreams,
    retentionDays: integer(env, 'RETENTION_DAYS', 90, 1, 36500),
    polling: ['on', 'true', '1'].includes(pollingText),
  };
}
