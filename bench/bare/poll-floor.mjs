// The floor under any aggregator for (f)'s first poll: a plain JS process that does only what every
// aggregator storing sanitized items in Postgres must do, with the poller's concurrency and a
// parsing thread as ours has. The main thread GETs every URL and hands each body to one worker
// thread, which parses it with rss-parser and sanitizes each item's HTML with sanitize-html's
// defaults; the main thread then inserts the feed's items (URL, title, HTML) in one multi-row
// INSERT into a table with nothing but an id and a unique URL, committed. No charset handling,
// no identity, no dedup across sources, no provenance, no categories, no poll records.
// Usage: node poll-floor.mjs <job.json> <postgres URL>   (job as poll-bare.mjs's)
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) {
  const { default: pg } = await import('pg');
  const { Agent, fetch } = await import('undici');
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
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
  const dispatcher = new Agent({ connections: 4 });
  let next = 0;
  const counts = { ok: 0, notModified: 0, items: 0, failed: 0 };
  const poll = async () => {
    while (next < job.urls.length) {
      const i = next++;
      try {
        const headers = job.etags[i] ? { 'if-none-match': job.etags[i] } : {};
        const res = await fetch(job.urls[i], { headers, dispatcher });
        if (res.status === 304) {
          counts.notModified++;
          await res.body?.cancel();
          continue;
        }
        const items = await parse(Buffer.from(await res.arrayBuffer()).toString('utf8'));
        await pool.query(
          'INSERT INTO floor_items (url, title, html) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (url) DO NOTHING',
          [items.map((it) => it.url), items.map((it) => it.title), items.map((it) => it.html)],
        );
        counts.ok++;
        counts.items += items.length;
      } catch (error) {
        counts.failed++;
        counts.error = String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, poll));
  console.log(JSON.stringify(counts));
  await worker.terminate();
  await dispatcher.close();
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
