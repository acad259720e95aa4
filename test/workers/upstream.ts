// Node side: a fixture upstream on 127.0.0.1 for the worker tests. Any /feeds/NAME.xml is an RSS
// feed with two stories (NAME-1, NAME-2), gzip-encoded with ?gzip and answered after a pause with
// ?slow, so the worker's fetch, its decoding and overlapping polls are all exercised for real;
// /gbk/NAME.xml is the same feed in Chinese, encoded GB2312/GBK as 科技日报's republishers serve it.
// GET /hits answers how often each path was fetched.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { fixtureRss, fixtureRssChinese } from './fixtures.ts';

export interface FixtureUpstream {
  origin: string;
  close(): Promise<void>;
}

const techRss = readFileSync(new URL('../fixtures/feeds/tech-rss.xml', import.meta.url));

export async function startFixtureUpstream(): Promise<FixtureUpstream> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/hits') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(hits)));
      return;
    }
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const answer = (body: Buffer, charset = 'utf-8') => {
      const headers: Record<string, string> = { 'content-type': `application/rss+xml; charset=${charset}` };
      if (url.searchParams.has('gzip')) {
        headers['content-encoding'] = 'gzip';
        body = gzipSync(body);
      }
      const delay = url.searchParams.has('slow') ? 1_500 : 0;
      setTimeout(() => res.writeHead(200, headers).end(body), delay);
    };
    if (url.pathname === '/tech.xml') return answer(techRss);
    const match = /^\/feeds\/([a-z0-9-]+)\.xml$/.exec(url.pathname);
    if (match) return answer(Buffer.from(fixtureRss(match[1]!)));
    const gbk = /^\/gbk\/([a-z0-9-]+)\.xml$/.exec(url.pathname);
    if (gbk) return answer(iconv.encode(fixtureRssChinese(gbk[1]!), 'gbk'), 'gb2312');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such fixture');
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
