// The floor under any aggregator for (f)'s first poll: a plain JS process that does only what every
// aggregator storing sanitized items in Postgres must do, with the poller's concurrency and a
// parsing thread as ours has. The main thread GETs every URL and hands each body to one worker
// thread, which parses it with rss-parser and sanitizes each item's HTML with sanitize-html's
// defaults; the main thread then inserts the feed's items (URL, title, HTML) in one multi-row
// INSERT into a table with nothing but an id and a unique URL, committed. No charset handling,
// no identity, no dedup across sources, no provenance, no categories, no poll records.
// Usage: node poll-floor.mjs <job.json> <postgres URL>   (job: see fetch-job.mjs)
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) {
  const { default: pg } = await import('pg');
  const { fetchJob, readJob } = await import('./fetch-job.mjs');
  const pool = new pg.Pool({ connectionString: process.argv[3], max: 4 });
  await pool.query('CREATE TABLE IF NOT EXISTS floor_items (id bigserial PRIMARY KEY, url text UNIQUE NOT NULL, title text, html text)');
  const worker = new Worker(new URL(import.meta.url));
  const waiting = new Map();
  let sequence = 0;
  worker.on('message', ({ id, items, error }) => {
    const w = waiting.get(id);
    waiting.delete(id);
    if (error) w.reject(new Error(error));
    else w.resolve(items);
  });
  const parse = (text) =>
    new Promise((resolve, reject) => {
      const id = sequence++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, text });
    });
  const counts = await fetchJob(readJob(process.argv[2]), async (text) => {
    const items = await parse(text);
    await pool.query(
      'INSERT INTO floor_items (url, title, html) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (url) DO NOTHING',
      [items.map((it) => it.url), items.map((it) => it.title), items.map((it) => it.html)],
    );
    return items.length;
  });
  console.log(JSON.stringify(counts));
  await worker.terminate();
  await pool.end();
} else {
  const { default: Parser } = await import('rss-parser');
  const { default: sanitizeHtml } = await import('sanitize-html');
  const parser = new Parser();
  parentPort.on('message', async ({ id, text }) => {
    try {
      const feed = await parser.parseString(text);
      const items = feed.items.map((item) => ({
        url: item.link ?? item.guid,
        title: item.title ?? '',
        html: sanitizeHtml(item['content:encoded'] ?? item.content ?? ''),
      }));
      parentPort.postMessage({ id, items });
    } catch (error) {
      parentPort.postMessage({ id, error: String(error) });
    }
  });
}
