// A benchmark upstream: many RSS feeds on 127.0.0.1, spread over several ports (one "host" per port,
// so the poller's per-host limit sees many hosts, as with real sources). Run in its own process
// (bench/lib/upstream-process.ts) so it does not share the measured process's event loop.
// Feed i is served at /feeds/<i>.xml on port number i % ports. Bodies are generated on first use
// and kept; with validators, a matching If-None-Match or If-Modified-Since answers 304 without
// generating anything.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zhFeed } from './zh.ts';

export interface UpstreamOptions {
  feeds: number;
  items: number;
  ports: number;
  /** false: plain 200 with the same body every time, no ETag, no Last-Modified. */
  validators: boolean;
}

export interface UpstreamInfo {
  urls: string[];
  /** The ETag and Last-Modified each feed answers with now (validators mode). */
  etags: string[];
  lastModified: string;
}

export class BenchUpstream {
  private readonly servers: Server[] = [];
  private readonly variants: number[];
  private readonly bodies = new Map<string, Buffer>();
  private origins: string[] = [];
  readonly counts = { ok: 0, notModified: 0, other: 0 };
  readonly lastModified = new Date(Date.UTC(2026, 10, 20, 8)).toUTCString();

  constructor(private readonly options: UpstreamOptions) {
    this.variants = new Array<number>(options.feeds).fill(0);
  }

  async start(): Promise<UpstreamInfo> {
    for (let p = 0; p < this.options.ports; p++) {
      const server = createServer((req, res) => {
        const match = /^\/feeds\/(\d+)\.xml$/.exec(req.url ?? '');
        const i = match ? Number(match[1]) : -1;
        if (!(i >= 0 && i < this.options.feeds)) {
          this.counts.other++;
          res.writeHead(404).end();
          return;
        }
        if (this.options.validators) {
          const etag = this.etag(i);
          const inm = req.headers['if-none-match'];
          const ims = req.headers['if-modified-since'];
          if (inm === etag || (inm === undefined && ims === this.lastModifiedOf(i))) {
            this.counts.notModified++;
            res.writeHead(304, { etag, 'last-modified': this.lastModifiedOf(i) }).end();
            return;
          }
          this.counts.ok++;
          res
            .writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag, 'last-modified': this.lastModifiedOf(i) })
            .end(this.body(i));
          return;
        }
        this.counts.ok++;
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(this.body(i));
      });
      server.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
    }
    this.origins = this.servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    return this.info();
  }

  info(): UpstreamInfo {
    const urls = Array.from({ length: this.options.feeds }, (_, i) => `${this.origins[i % this.origins.length]}/feeds/${i}.xml`);
    return { urls, etags: urls.map((_, i) => this.etag(i)), lastModified: this.lastModified };
  }

  etag(i: number): string {
    return `"f${i}-v${this.variants[i]}"`;
  }

  lastModifiedOf(i: number): string {
    return this.variants[i] === 0 ? this.lastModified : new Date(Date.UTC(2026, 10, 20, 8) + this.variants[i]! * 3_600_000).toUTCString();
  }

  /** The body feed i serves now (generated once per variant). */
  body(i: number): Buffer {
    const key = `${i}:${this.variants[i]}`;
    let body = this.bodies.get(key);
    if (!body) {
      body = Buffer.from(zhFeed(i, this.options.items, this.variants[i]!));
      this.bodies.set(key, body);
    }
    return body;
  }

  /** New content (all items new) for these feeds; their validators change. */
  change(feeds: number[]): void {
    for (const i of feeds) {
      this.bodies.delete(`${i}:${this.variants[i]}`);
      this.variants[i]!++;
    }
  }

  /** Generates the bodies now, so generation cost never lands inside a measurement. */
  warm(feeds: number[]): void {
    for (const i of feeds) this.body(i);
  }

  resetCounts(): void {
    this.counts.ok = this.counts.notModified = this.counts.other = 0;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      })),
    );
  }
}
