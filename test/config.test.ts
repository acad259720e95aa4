import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDuration } from '../src/config.ts';

describe('parseConfig', () => {
  it('applies the SPEC defaults to an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      databaseUrl: null,
      dataDir: './data',
      port: 8787,
      publicUrl: 'http://localhost:8787',
      feedsDir: './feeds',
      adminToken: null,
      pollIntervalSeconds: 900,
      pollScheduler: 'fixed',
      fetchTimeoutMs: 20_000,
      fetchMaxBytes: 10_485_760,
      allowPrivateUpstreams: [],
      retentionDays: 90,
      polling: true,
    });
  });

  it('derives PUBLIC_URL from PORT and drops a trailing slash', () => {
    expect(parseConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(parseConfig({ PUBLIC_URL: 'https://feeds.example.org/' }).publicUrl).toBe('https://feeds.example.org');
  });

  it('parses durations, lists and switches', () => {
    const config = parseConfig({
      POLL_INTERVAL: '2h',
      FETCH_TIMEOUT: '90s',
      ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1, 10.0.0.0/8 ,',
      POLLING: 'off',
      POLL_SCHEDULER: 'Entry-Frequency',
    });
    expect(config.pollIntervalSeconds).toBe(7200);
    expect(config.fetchTimeoutMs).toBe(90_000);
    expect(config.allowPrivateUpstreams).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(config.polling).toBe(false);
    expect(config.pollScheduler).toBe('entry-frequency');
  });

  it.each([
    ['POLL_INTERVAL', 'soon'],
    ['POLL_INTERVAL', '10s'],
    ['FETCH_TIMEOUT', '-1s'],
    ['PORT', 'eighty'],
    ['FETCH_MAX_BYTES', '12MB'],
    ['RETENTION_DAYS', '0'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'ftp://x'],
    ['POLLING', 'maybe'],
    ['POLL_SCHEDULER', 'adaptive'],
    ['ALLOW_PRIVATE_UPSTREAMS', '10.0.0.0/99'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrowError(new RegExp(`^config: ${name}: `));
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86400],
    ['500ms', 0.5],
    ['30', 30],
  ])('%s → %d seconds', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it('returns null for garbage', () => expect(parseDuration('15 minutes')).toBeNull());
});
