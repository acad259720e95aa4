// Small HTTP helpers for tests that read feeds the way subscribers do.
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw HTTP, so compressed bodies arrive as sent (fetch would decode them). */
export function rawRequest(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An RSS 2.0 feed of numbered stories, story i published at 2026-11-01 i:00 UTC. */
export function numberedStoriesRss(stories: number[]): string {
  const items = stories
    .map((i) => `<item><title>Story ${i}</title><link>http://stories.test/${i}</link><guid>g${i}</guid><pubDate>${new Date(Date.UTC(2026, 10, 1, i)).toUTCString()}</pubDate><description>Body ${i}</description></item>`)
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>up</title><link>http://stories.test/</link><description>d</description>${items}</channel></rss>`;
}
