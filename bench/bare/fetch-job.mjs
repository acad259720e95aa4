// The fetch loop of the bare baselines (poll-bare.mjs, poll-floor.mjs): GETs every URL of a job
// (conditionally when it has validators) with the poller's concurrency over one undici agent, and
// hands each 200 body, as text, to `handle`, which answers how many items it took.
// job: { urls: string[], etags: (string|null)[], concurrency: number }
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';

export function readJob(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Runs the job; resolves to the counts the benchmarks check ({ ok, notModified, items, failed }). */
export async function fetchJob(job, handle) {
  const dispatcher = new Agent({ connections: 4 });
  let next = 0;
  const counts = { ok: 0, notModified: 0, items: 0, failed: 0 };
  const worker = async () => {
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
        // Awaited first: `counts.items += await …` would read the count before the await and lose
        // the other workers' additions.
        const items = await handle(Buffer.from(await res.arrayBuffer()).toString('utf8'));
        counts.items += items;
        counts.ok++;
      } catch (error) {
        counts.failed++;
        counts.error = String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  await dispatcher.close();
  return counts;
}
