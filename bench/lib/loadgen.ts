// A lean HTTP/1.1 load generator for 127.0.0.1: keep-alive connections, one request in flight per
// connection, responses framed by Content-Length and otherwise skipped unread. autocannon parses
// every body chunk and tops out near 350 req/s on a 160 KB body on these machines (wrk: ~11k), so it
// would measure itself; this one costs a few string operations per response.
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  rps: number;
  statuses: Record<string, number>;
  errors: number;
  /** Body bytes received per second. */
  bytesPerSecond: number;
}

export interface LoadOptions {
  seconds: number;
  connections?: number;
  headers?: Record<string, string>;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const u = new URL(url);
  const request = Buffer.from(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: feedrelay-bench\r\nAccept: */*\r\n` +
      Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      '\r\n',
  );
  const statuses: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let completed = 0;
  let stopping = false;
  const started = performance.now();
  let ended = started;

  const one = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
      let head: Buffer | null = null; // partial header bytes
      let remaining = -1; // body bytes still to skip; -1 while reading the head
      const send = () => {
        if (stopping) {
          socket.end();
          return;
        }
        socket.write(request);
      };
      const finishResponse = () => {
        completed++;
        ended = performance.now();
        remaining = -1;
        head = null;
        send();
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        let offset = 0;
        while (offset < chunk.length) {
          if (remaining >= 0) {
            const take = Math.min(remaining, chunk.length - offset);
            remaining -= take;
            bytes += take;
            offset += take;
            if (remaining === 0) finishResponse();
            continue;
          }
          const data = head ? Buffer.concat([head, chunk.subarray(offset)]) : chunk.subarray(offset);
          const end = data.indexOf(CRLF2);
          if (end === -1) {
            head = Buffer.from(data);
            return;
          }
          const text = data.toString('latin1', 0, end);
          const status = text.slice(9, 12);
          statuses[status] = (statuses[status] ?? 0) + 1;
          const match = /\r\ncontent-length:\s*(\d+)/i.exec(text);
          const length = status === '304' || status === '204' ? 0 : match ? Number(match[1]) : 0;
          if (!match && status !== '304' && status !== '204') {
            errors++; // chunked or close-delimited: this generator does not measure those
            socket.destroy();
            return;
          }
          const consumed = end + 4 - (head ? head.length : 0);
          offset += consumed;
          head = null;
          remaining = length;
          if (remaining === 0) finishResponse();
        }
      });
      socket.on('error', () => {
        errors++;
      });
      socket.on('close', () => resolve());
    });

  const connections = options.connections ?? 32;
  const all = Array.from({ length: connections }, one);
  const timer = setTimeout(() => {
    stopping = true;
  }, options.seconds * 1000);
  await Promise.all(all);
  clearTimeout(timer);
  const seconds = (ended - started) / 1000;
  return { rps: completed / seconds, statuses, errors, bytesPerSecond: bytes / seconds };
}
