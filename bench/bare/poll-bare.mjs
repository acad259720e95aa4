// The physical limit for (d) and (f) polls: a plain JS process that GETs every URL (conditionally
// when given validators) with the poller's concurrency and parses each 200 body with rss-parser.
// No database, no normalizing, no storing. Usage: node poll-bare.mjs <job.json>
// job: { urls: string[], etags: (string|null)[], concurrency: number }
import { readFileSync } from 'node:fs';
import Parser from 'rss-parser';
import { Agent, fetch } from 'undici';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const dispatcher = new Agent({ connections: 4 });
let next = 0;
const counts = { ok: 0, notModified: 0, items: 0, failed: 0 };
async function worker() {
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
      const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
      const feed = await new Parser().parseString(text);
      counts.ok++;
      counts.items += feed.items.length;
    } catch {
      counts.failed++;
    }
  }
}
await Promise.all(Array.from({ length: job.concurrency }, worker));
console.log(JSON.stringify(counts));
await dispatcher.close();
