// When to poll a source next. Pure: the caller passes the clock and the random source.

export interface SchedulePolicyInput {
  now: Date;
  /** The source's own interval, else the configured default. */
  intervalSeconds: number;
  /** Upstream hints; each may only lengthen the wait. */
  ttlSeconds?: number | null;
  maxAgeSeconds?: number | null;
  retryAfterSeconds?: number | null;
  skipHours?: number[];
  skipDays?: number[];
  /** Errors in a row including this poll's; 0 after a success. */
  consecutiveErrors: number;
  random: () => number;
}

export const MIN_DELAY_SECONDS = 60;
export const MAX_DELAY_SECONDS = 24 * 3600;
const JITTER = 0.1;

/**
 * The longest wait: a day, or the interval itself when one longer than a day was set (an operator
 * may ask for up to 7 days). Upstream hints and error backoff never push past it.
 */
const ceilingOf = (input: Pick<SchedulePolicyInput, 'intervalSeconds'>) => Math.max(MAX_DELAY_SECONDS, input.intervalSeconds);
const clamp = (n: number, ceiling: number) => Math.min(ceiling, Math.max(MIN_DELAY_SECONDS, n));

/** Seconds until the next poll before jitter: max of every signal, errors doubling the interval. */
export function baseDelaySeconds(input: SchedulePolicyInput): number {
  let delay = input.intervalSeconds;
  if (input.consecutiveErrors > 0) {
    // Exponential backoff, capped: never abandon a source, but never hammer a broken one.
    delay = input.intervalSeconds * 2 ** Math.min(input.consecutiveErrors - 1, 16);
  }
  delay = Math.max(delay, input.ttlSeconds ?? 0, input.maxAgeSeconds ?? 0, input.retryAfterSeconds ?? 0);
  return clamp(delay, ceilingOf(input));
}

export function nextPollAt(input: SchedulePolicyInput): Date {
  const base = baseDelaySeconds(input);
  // Jitter spreads sources that share an interval so they do not all fall due in the same second.
  // Retry-After is a floor the upstream asked for, so jitter only ever adds to it.
  const jitter = base * JITTER * (2 * input.random() - 1);
  const floor = Math.max(MIN_DELAY_SECONDS, input.retryAfterSeconds ?? 0);
  const delay = Math.min(ceilingOf(input), Math.max(floor, base + jitter));
  return skipBlockedTime(new Date(input.now.getTime() + delay * 1000), input.skipHours ?? [], input.skipDays ?? []);
}

/** Moves `at` forward to the first hour (UTC) not listed in skipHours/skipDays (RSS 2.0 semantics). */
export function skipBlockedTime(at: Date, skipHours: number[], skipDays: number[]): Date {
  const hours = new Set(skipHours.filter((h) => h >= 0 && h <= 23));
  const days = new Set(skipDays.filter((d) => d >= 0 && d <= 6));
  if (hours.size >= 24 || days.size >= 7) return at; // nonsensical: never skip everything
  let t = at;
  for (let i = 0; i < 24 * 8; i++) {
    if (!hours.has(t.getUTCHours()) && !days.has(t.getUTCDay())) return t;
    t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours() + 1));
  }
  return at;
}

export const ADAPTIVE_MAX_SECONDS = 6 * 3600;

/**
 * Interval from how often the source publishes (Miniflux's entry-frequency policy): a week divided
 * by the entries of the last week, never faster than the configured default and never slower than
 * six hours, so a quiet feed that wakes up is seen the same day.
 */
export function entryFrequencyInterval(entriesLastWeek: number, defaultSeconds: number): number {
  if (entriesLastWeek <= 0) return Math.max(defaultSeconds, ADAPTIVE_MAX_SECONDS);
  const seconds = (7 * 86_400) / entriesLastWeek;
  return Math.max(defaultSeconds, Math.min(ADAPTIVE_MAX_SECONDS, Math.round(seconds)));
}
