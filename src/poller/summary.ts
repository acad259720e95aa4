// One readable line per polled source, and the closing tally, for `npm run poll`.
import type { PollOutcome } from './poll-source.ts';
import type { RunSummary } from './run.ts';

export function outcomeLine(o: PollOutcome): string {
  const status = o.httpStatus !== null ? `HTTP ${o.httpStatus}` : 'no answer';
  const what =
    o.kind === 'error' || o.kind === 'gone'
      ? `${o.kind.toUpperCase()} ${o.error ?? ''}`
      : `${o.kind} new=${o.counts.new} updated=${o.counts.updated} duplicate=${o.counts.duplicate}`;
  return `${o.kind === 'error' || o.kind === 'gone' ? '✗' : '✓'} ${o.url}  ${status}  ${what}  ${Math.round(o.durationMs)}ms`;
}

export function summaryLine(summary: RunSummary, elapsedMs: number): string {
  const totals = summary.outcomes.reduce(
    (t, o) => ({ new: t.new + o.counts.new, updated: t.updated + o.counts.updated, duplicate: t.duplicate + o.counts.duplicate }),
    { new: 0, updated: 0, duplicate: 0 },
  );
  return (
    `polled ${summary.polled} source(s) in ${(elapsedMs / 1000).toFixed(1)}s: ` +
    `${totals.new} new, ${totals.updated} updated, ${totals.duplicate} duplicate articles; ` +
    `${summary.failed} failed`
  );
}
