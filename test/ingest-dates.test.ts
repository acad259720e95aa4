// Dates at ingest: an absurd future date never pins an item or a feed's `updated`; a missing or
// invalid date falls back to first-seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://dates.test/</link><description>d</description>
<item><title>From the far future</title><link>http://dates.test/future</link><guid>f</guid><pubDate>Fri, 31 Dec 9999 23:00:00 GMT</pubDate></item>
<item><title>Invalid date</title><link>http://dates.test/invalid</link><guid>i</guid><pubDate>not a date at all</pubDate></item>
<item><title>Normal</title><link>http://dates.test/normal</link><guid>n</guid><pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>
</channel></rss>`;

describe.each(databases)('ingest dates on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    upstream.feed('/dates.xml', feed);
    await syncCategoryDefinitions(database.db, [
      { slug: 'dates', title: 'Dates', description: '', language: null, file: 'feeds/dates.yaml', sources: [{ url: upstream.url('/dates.xml'), title: null, intervalSeconds: null }] },
    ]);
  });
  afterAll(async () => {
    await Promise.all([database?.close(), upstream?.close()]);
  });

  it('replaces far-future and invalid dates with the first-seen time and keeps real ones', async () => {
    const before = Date.now();
    const summary = await pollDue(testPollerDeps(database.db), runAll);
    expect(summary.outcomes[0]?.error ?? null).toBeNull();
    expect(summary.outcomes[0]?.counts.new).toBe(3);
    const rows = await database.db.selectFrom('articles').select(['title', 'published_at', 'updated_at', 'sort_at', 'first_seen_at']).execute();
    const byTitle = new Map(rows.map((r) => [r.title, r]));
    for (const title of ['From the far future', 'Invalid date']) {
      const row = byTitle.get(title)!;
      expect(row.published_at.getTime()).toBe(row.first_seen_at.getTime());
      expect(row.updated_at.getTime()).toBeLessThanOrEqual(Date.now());
      expect(row.sort_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(byTitle.get('Normal')!.published_at.toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });
});
