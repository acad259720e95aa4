// The Node HTTP server: @hono/node-server in front of the app, with one fast path in front of that.
// A GET of a feed whose render is cached and current is answered straight from the cache
// (routes/feeds.ts cachedFeedAnswer) — the request subscribers repeat all day, mostly as 304s —
// so it costs about what bare node:http costs; every other request goes to the app unchanged.
// The fast path only answers exact `/feeds/{slug}.{format}` paths (no query, no encoded or dot
// segments), so nothing it answers could be an admin path.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { cachedFeedAnswer } from '../routes/feeds.ts';

type FastPathDeps = Parameters<typeof cachedFeedAnswer>[0];

export function fastFeedListener(deps: FastPathDeps, next: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith('/feeds/')) return next(req, res);
    let answer: ReturnType<typeof cachedFeedAnswer>;
    try {
      answer = cachedFeedAnswer(deps, url, (name) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : undefined;
      });
    } catch {
      answer = null; // the app answers, and reports, whatever went wrong
    }
    if (!answer) return next(req, res);
    res.writeHead(answer.status, answer.headers as Record<string, string>);
    if (answer.body) res.end(answer.body);
    else res.end();
  };
}

/** serve() from @hono/node-server, with the fast path wrapped around its request listener. */
export function serveWithFastFeeds(
  app: Hono,
  deps: FastPathDeps,
  options: { port: number; hostname?: string },
  onListening?: (info: AddressInfo) => void,
): Server {
  return serve(
    {
      fetch: app.fetch,
      port: options.port,
      ...(options.hostname ? { hostname: options.hostname } : {}),
      // node:http's createServer, with the fast path in front of the adapter's listener (the cast
      // picks one of createServer's overloads).
      createServer: ((serverOptions: object, listener: RequestListener) =>
        createServer(serverOptions, fastFeedListener(deps, listener))) as unknown as typeof createServer,
    },
    onListening,
  ) as Server;
}
