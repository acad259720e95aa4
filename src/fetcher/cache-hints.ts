// Upstream caching signals that may only lengthen the wait before the next poll.
import type { ScheduleHints } from '../store/schema.ts';

function httpDateSeconds(value: string, now: Date): number | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return Math.max(0, Math.round((ms - now.getTime()) / 1000));
}

export function cacheHints(headers: Headers, now: Date): Pick<ScheduleHints, 'maxAgeSeconds' | 'retryAfterSeconds'> {
  const hints: Pick<ScheduleHints, 'maxAgeSeconds' | 'retryAfterSeconds'> = {};
  const cacheControl = headers.get('cache-control');
  const maxAge = cacheControl ? /(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*"?(\d+)/i.exec(cacheControl) : null;
  if (maxAge) {
    hints.maxAgeSeconds = Number(maxAge[1]);
  } else {
    const expires = headers.get('expires');
    // RFC 9111 §5.3: Expires counts from the response's Date, not our clock.
    const date = headers.get('date');
    const base = date && !Number.isNaN(Date.parse(date)) ? new Date(Date.parse(date)) : now;
    if (expires) {
      const seconds = httpDateSeconds(expires, base);
      if (seconds !== undefined) hints.maxAgeSeconds = seconds;
    }
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = /^\s*\d+\s*$/.test(retryAfter) ? Number(retryAfter) : httpDateSeconds(retryAfter, now);
    if (seconds !== undefined) hints.retryAfterSeconds = seconds;
  }
  return hints;
}
