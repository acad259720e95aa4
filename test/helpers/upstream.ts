// A real HTTP server on 127.0.0.1 that plays an upstream: serves fixture bodies, honours
// validators, and misbehaves on purpose where a test asks it to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Upstream {
  url(path: string): string;
  origin: string;
  /** Replaces the handler of a path. */
  route(path: string, handler: Handler): void;
  /** Serves a body with an ETag and Last-Modified, answering 304 to matching validators. */
  feed(path: string, body: string | Buffer, contentType?: string): void;
  /** Requests seen, per path. */
  hits: Map<string, { method: string; headers: IncomingMessage['headers'] }[]>;
  close(): Promise<void>;
}

export async function startUpstream(host = '127.0.0.1'): Promise<Upstream> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, { method: string; headers: IncomingMessage['headers'] }[]>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const list = hits.get(path) ?? [];
    list.push({ method: req.method ?? 'GET', headers: req.headers });
    hits.set(path, list);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such fixture');
      return;
    }
    Promise.resolve(handler(req, res)).catch((error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    origin,
    url: (path) => `${origin}${path}`,
    route: (path, handler) => routes.set(path, handler),
    feed(path, body, contentType = 'application/rss+xml; charset=utf-8') {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const etag = `"${bytes.length}-${Buffer.from(bytes).toString('base64').length}-${hashOf(bytes)}"`;
      const lastModified = new Date(Date.UTC(2026, 0, 1)).toUTCString();
      routes.set(path, (req, res) => {
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { 'content-type': contentType, etag, 'last-modified': lastModified }).end(bytes);
      });
    },
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function hashOf(bytes: Buffer): string {
  let h = 0;
  for (const b of bytes) h = (h * 31 + b) >>> 0;
  return h.toString(16);
}
