// Building blocks of the fault suite: feeds/ folders, RSS bodies, a subscriber swarm, and the
// memory of a process tree. Everything listens and connects on 127.0.0.1 only.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** FAULTS_QUICK=1 shortens the load phases (local runs); the full suite runs them at length. */
export const QUICK = /^(1|true|yes)$/i.test(process.env.FAULTS_QUICK ?? '');

export interface Item {
  title: string;
  link: string;
  guid?: string;
  description?: string;
  pubDate?: Date;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function rss(title: string, items: Item[], site = 'http://stories.test/'): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${xmlEscape(i.title)}</title><link>${xmlEscape(i.link)}</link>` +
        (i.guid ? `<guid isPermaLink="false">${xmlEscape(i.guid)}</guid>` : '') +
        (i.description ? `<description>${xmlEscape(i.description)}</description>` : '') +
        (i.pubDate ? `<pubDate>${i.pubDate.toUTCString()}</pubDate>` : '') +
        '</item>',
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>${xmlEscape(title)}</title><link>${site}</link><description>fixture</description>\n${body}\n</channel></rss>`;
}

export interface CategorySpec {
  slug: string;
  title?: string;
  sources: { url: string; interval?: string }[];
}

/** A temporary feeds/ folder with one YAML file per category; returns the folder. */
export async function writeFeedsDir(categories: CategorySpec[], parent?: string): Promise<string> {
  const root = parent ?? (await mkdtemp(join(tmpdir(), 'feedrelay-faults-')));
  const dir = join(root, 'feeds');
  await mkdir(dir, { recursive: true });
  for (const c of categories) {
    const lines = [`slug: ${c.slug}`, `title: ${c.title ?? c.slug}`, 'language: en', 'sources:'];
    for (const s of c.sources) {
      lines.push(`  - url: ${s.url}`);
      if (s.interval) lines.push(`    interval: ${s.interval}`);
    }
    await writeFile(join(dir, `${c.slug}.yaml`), `${lines.join('\n')}\n`);
  }
  return dir;
}

/** Resident memory of a process and all its descendants, in bytes (Linux /proc). */
export function treeRss(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb * 1024;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      // the process is gone
    }
  };
  visit(pid);
  return total;
}

export interface SwarmResult {
  requests: number;
  /** Count per status code ("error" for a request that got no answer). */
  statuses: Record<string, number>;
  /** The first few failures in words. */
  failures: string[];
  maxLatencyMs: number;
}

/**
 * `clients` subscribers requesting `paths` round-robin (some revalidating with If-None-Match, some
 * asking for compression) until `durationMs` has passed. Bounded by time, not by count.
 */
export async function swarm(base: string, paths: string[] | ((i: number) => string), clients: number, durationMs: number): Promise<SwarmResult> {
  const pathAt = typeof paths === 'function' ? paths : (i: number) => paths[i % paths.length]!;
  const result: SwarmResult = { requests: 0, statuses: {}, failures: [], maxLatencyMs: 0 };
  const etags = new Map<string, string>();
  const end = Date.now() + durationMs;
  const client = async (n: number) => {
    for (let i = n; Date.now() < end; i++) {
      const path = pathAt(i);
      const headers: Record<string, string> = {};
      if (i % 3 === 0 && etags.has(path)) headers['if-none-match'] = etags.get(path)!;
      if (i % 2 === 0) headers['accept-encoding'] = 'br, gzip';
      const started = performance.now();
      let key: string;
      try {
        const res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(20_000) });
        await res.arrayBuffer();
        key = String(res.status);
        const etag = res.headers.get('etag');
        if (etag) etags.set(path, etag);
        if (res.status >= 500 && result.failures.length < 10) result.failures.push(`${path}: ${res.status}`);
      } catch (error) {
        key = 'error';
        if (result.failures.length < 10) result.failures.push(`${path}: ${String(error)}`);
      }
      result.maxLatencyMs = Math.max(result.maxLatencyMs, performance.now() - started);
      result.requests++;
      result.statuses[key] = (result.statuses[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
