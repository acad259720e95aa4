import { describe, expect, it } from 'vitest';
import {
  baseDelaySeconds,
  entryFrequencyInterval,
  MAX_DELAY_SECONDS,
  nextPollAt,
  skipBlockedTime,
  type SchedulePolicyInput,
} from '../src/scheduler/policy.ts';

const now = new Date('2026-11-27T10:00:00Z');
const input = (over: Partial<SchedulePolicyInput> = {}): SchedulePolicyInput => ({
  now,
  intervalSeconds: 900,
  consecutiveErrors: 0,
  random: () => 0.5,
  ...over,
});
const delayOf = (over: Partial<SchedulePolicyInput>) => (nextPollAt(input(over)).getTime() - now.getTime()) / 1000;

describe('next poll', () => {
  it('waits the interval when nothing else is said', () => {
    expect(delayOf({})).toBe(900);
  });

  it('takes the longest of interval, ttl, max-age and Retry-After', () => {
    expect(delayOf({ ttlSeconds: 3600 })).toBe(3600);
    expect(delayOf({ maxAgeSeconds: 7200, ttlSeconds: 3600 })).toBe(7200);
    expect(delayOf({ retryAfterSeconds: 5000, maxAgeSeconds: 60 })).toBe(5000);
    expect(delayOf({ maxAgeSeconds: 10 })).toBe(900);
  });

  it('clamps to [1 min, 24 h]', () => {
    expect(delayOf({ intervalSeconds: 5 })).toBe(60);
    expect(delayOf({ retryAfterSeconds: 10 * 86_400 })).toBe(MAX_DELAY_SECONDS);
    expect(delayOf({ ttlSeconds: 10 * 86_400 })).toBe(MAX_DELAY_SECONDS);
  });

  it('honours an interval longer than a day (an operator may set up to 7 days); hints and backoff stop there', () => {
    expect(delayOf({ intervalSeconds: 3 * 86_400 })).toBe(3 * 86_400);
    expect(delayOf({ intervalSeconds: 7 * 86_400 })).toBe(7 * 86_400);
    expect(delayOf({ intervalSeconds: 2 * 86_400, ttlSeconds: 30 * 86_400 })).toBe(2 * 86_400);
    expect(delayOf({ intervalSeconds: 2 * 86_400, consecutiveErrors: 5 })).toBe(2 * 86_400);
    // Jitter spreads long intervals too, within the same ceiling.
    const early = (nextPollAt(input({ intervalSeconds: 3 * 86_400, random: () => 0 })).getTime() - now.getTime()) / 1000;
    expect(early).toBe(3 * 86_400 * 0.9);
    const late = (nextPollAt(input({ intervalSeconds: 3 * 86_400, random: () => 1 })).getTime() - now.getTime()) / 1000;
    expect(late).toBe(3 * 86_400);
  });

  it('backs off exponentially on errors, capped, and never gives up', () => {
    const delays = [1, 2, 3, 4, 5, 50, 5000].map((n) => baseDelaySeconds(input({ consecutiveErrors: n })));
    expect(delays.slice(0, 5)).toEqual([900, 1800, 3600, 7200, 14400]);
    expect(delays[5]).toBe(MAX_DELAY_SECONDS);
    expect(delays[6]).toBe(MAX_DELAY_SECONDS);
  });

  it('adds jitter of at most ±10 % and never undercuts Retry-After', () => {
    expect(delayOf({ random: () => 0 })).toBeCloseTo(810);
    expect(delayOf({ random: () => 0.999999 })).toBeCloseTo(990, 0);
    expect(delayOf({ retryAfterSeconds: 3600, random: () => 0 })).toBeGreaterThanOrEqual(3600);
  });

  it('honours skipHours and skipDays (UTC)', () => {
    // 10:15 falls in skipped hours 10 and 11 → 12:00.
    expect(nextPollAt(input({ skipHours: [10, 11] })).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    // 2026-11-27 is a Friday (5); skipping Friday and Saturday lands on Sunday 00:00.
    expect(nextPollAt(input({ skipDays: [5, 6] })).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    // Skipping every hour is nonsense and is ignored.
    const all = Array.from({ length: 24 }, (_, h) => h);
    expect(skipBlockedTime(now, all, []).getTime()).toBe(now.getTime());
  });
});

describe('entry-frequency interval', () => {
  it('follows a week divided by the week\'s entries, within [default, 6 h]', () => {
    expect(entryFrequencyInterval(7, 900)).toBe(6 * 3600);
    expect(entryFrequencyInterval(168, 900)).toBe(3600);
    expect(entryFrequencyInterval(10_000, 900)).toBe(900);
    expect(entryFrequencyInterval(0, 900)).toBe(6 * 3600);
  });
});
