// Upstreams that misbehave below HTTP: a raw TCP server on 127.0.0.1 whose handler writes whatever
// bytes it likes (silence, trickles, lying headers, endless bodies), plus compressed bombs and a
// self-signed TLS certificate made on the spot. Loopback only.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

export type RawHandler = (socket: Socket, request: RawRequest) => unknown;

export interface RawUpstream {
  origin: string;
  port: number;
  url(path: string): string;
  /** Replaces the handler of a path. */
  route(path: string, handler: RawHandler): void;
  /** Requests seen, in order. */
  requests: RawRequest[];
  close(): Promise<void>;
}

/** A TCP server that reads request heads and hands the socket to the handler of each path. */
export async function startRawUpstream(host = '127.0.0.1', port = 0): Promise<RawUpstream> {
  const routes = new Map<string, RawHandler>();
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const dispatch = (socket: Socket, head: string) => {
    const [requestLine, ...lines] = head.split('\r\n');
    const [method = 'GET', target = '/'] = (requestLine ?? '').split(' ');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const request = { method, path: target.split('?')[0]!, headers };
    requests.push(request);
    const handler = routes.get(request.path);
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    Promise.resolve(handler(socket, request)).catch(() => socket.destroy());
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Request heads are read one after another, so a kept-alive connection can be reused.
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        dispatch(socket, head);
      }
      if (buffered.length > 64 * 1024) socket.destroy();
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    origin,
    port: actualPort,
    url: (path) => `${origin}${path}`,
    route: (path, handler) => routes.set(path, handler),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface PumpStats {
  bytes: number;
  /** Resolves when the client has gone away (the socket closed) or `limit` bytes were written. */
  done: Promise<void>;
}

/**
 * Writes `frame(chunk)` over and over, honouring backpressure, until the peer goes away or
 * `limit` bytes were written. `stats.bytes` counts what was handed to the socket.
 */
export function pump(socket: Socket, chunk: Buffer, limit = Number.POSITIVE_INFINITY): PumpStats {
  const stats: PumpStats = { bytes: 0, done: Promise.resolve() };
  stats.done = (async () => {
    while (!socket.destroyed && stats.bytes < limit) {
      stats.bytes += chunk.byteLength;
      if (!socket.write(chunk)) {
        const closed = once(socket, 'close');
        await Promise.race([once(socket, 'drain'), closed]);
      }
    }
  })().catch(() => undefined);
  return stats;
}

/** One HTTP/1.1 chunked-encoding frame holding `data`. */
export function chunkFrame(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

/** `size` bytes of zeros through a compressor, a chunk at a time (never `size` bytes in memory). */
export async function compressedZeros(kind: 'gzip' | 'br', size: number): Promise<Buffer> {
  const stream: Gzip | BrotliCompress =
    kind === 'gzip'
      ? createGzip({ level: 9 })
      : createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: size } });
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const ended = once(stream, 'end');
  const chunk = Buffer.alloc(1 << 20);
  for (let written = 0; written < size; written += chunk.byteLength) {
    if (!stream.write(chunk.subarray(0, Math.min(chunk.byteLength, size - written)))) await once(stream, 'drain');
  }
  stream.end();
  await ended;
  return Buffer.concat(out);
}

/** Gzips bytes (for `Content-Encoding: gzip, gzip`). */
export async function gzip(bytes: Buffer): Promise<Buffer> {
  const stream = createGzip();
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const ended = once(stream, 'end');
  stream.end(bytes);
  await ended;
  return Buffer.concat(out);
}

/** Samples this process's RSS until stopped; returns the peak growth over the starting value. */
export function watchRss(intervalMs = 5): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - start;
    },
  };
}

/** A self-signed certificate for IP 127.0.0.1, made with openssl; null when openssl is missing. */
export function selfSignedCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'feedrelay-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
