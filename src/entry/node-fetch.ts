// The fetch the Node poller uses: undici's request API with a connector that checks every address
// it is about to connect to, so a public name that resolves inward (or rebinds between polls) is
// refused at the socket, not just at the URL. Refusals are FetchErrors.
//
// Not undici's `fetch`: for an unchanged 117 KB body, fetch's spec machinery (Request and Response
// objects, a web stream between socket and reader) cost about twice the CPU of `request` doing
// the same exchange (docs/performance.md), and a poller makes this call for every source of every
// cycle. What fetch did on top is done here as fetch does it: decompression (the same decoders
// with the same lenient flushing, the same five-coding limit, none for 204/304 or redirects), a
// `Headers` of the answer's headers (latin1, as fetch reads them), and a body read through the
// reader interface fetchFeed uses. The byte cap in fetchFeed counts decompressed bytes.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import zlib from 'node:zlib';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { admits, blockedMessage, checkUpstreamUrl, normalizeHost, parseAllowlist, type Allowlist } from '../fetcher/address-guard.ts';
import { FetchError, type UpstreamAnswer, type UpstreamBody, type UpstreamFetch } from '../fetcher/index.ts';

export interface NodeFetchOptions {
  /** Resolver standing in for DNS (tests: a public-looking name that resolves to loopback). */
  lookup?: LookupFunction;
  /** Extra TLS options, e.g. `ca` for a test server's self-signed certificate. */
  tls?: Pick<ConnectionOptions, 'ca'>;
  /** Connect timeout in ms (default 10 s); the total deadline is fetchFeed's. */
  connectTimeoutMs?: number;
}

/**
 * `allowPrivate` holds the entries of ALLOW_PRIVATE_UPSTREAMS; an entry it cannot read throws
 * AllowlistError (with the variable named) here, at start-up.
 */
export function createNodeFetch(allowPrivate: string[], options: NodeFetchOptions = {}): UpstreamFetch {
  const allow = parseAllowlist(allowPrivate);
  const dispatcher = createGuardedAgent(allow, options);
  return async (url, init) => {
    const refusal = checkUpstreamUrl(new URL(url), allow);
    if (refusal) throw new FetchError(refusal.code, refusal.message);
    const answer = await request(url, { method: 'GET', headers: init.headers, signal: init.signal, dispatcher });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) {
        try {
          headers.append(name, one);
        } catch {
          // A header fetch's Headers would not hold either; nothing fetchFeed reads.
        }
      }
    }
    // Like fetch: no decoding where there is no body to decode (101, 204, 205, 304); redirects'
    // bodies are never read.
    const bodiless = NULL_BODY_STATUSES.has(answer.statusCode) || (answer.statusCode >= 300 && answer.statusCode < 400);
    const decoders = bodiless ? [] : decodersFor(headers.get('content-encoding'));
    if (decoders === null) {
      answer.body.on('error', () => undefined).destroy();
      throw new FetchError('network', 'fetcher: the upstream sent more than 5 content-encodings');
    }
    // The pipeline's callback sees the error too; the reader gets it from the last stream.
    const body = decoders.length === 0 ? answer.body : (pipeline([answer.body, ...decoders], () => undefined) as unknown as Readable);
    return { status: answer.statusCode, headers, body: bodyOf(answer.body, body) } satisfies UpstreamAnswer;
  };
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The decoders for a Content-Encoding, outermost last, as undici's fetch builds them; [] leaves the
 * body as it is (none, or a coding fetch does not decode); null refuses (more than five codings).
 */
function decodersFor(contentEncoding: string | null): Transform[] | null {
  const codings = contentEncoding ? contentEncoding.toLowerCase().split(',') : [];
  if (codings.length > 5) return null;
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    // Lenient flushing, as browsers and curl: a body that ends without its trailer still decodes.
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    else if (coding === 'deflate') decoders.push(new Inflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    else return [];
  }
  return decoders;
}

/** `deflate` as servers send it: zlib-wrapped (RFC 1950) or raw (RFC 1951), told by the first byte, as fetch does. */
class Inflate extends Transform {
  private inflate: zlib.Inflate | zlib.InflateRaw | null = null;

  constructor(private readonly zlibOptions: zlib.ZlibOptions) {
    super();
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.inflate) {
      if (chunk.length === 0) {
        callback();
        return;
      }
      this.inflate = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(this.zlibOptions) : zlib.createInflateRaw(this.zlibOptions);
      this.inflate.on('data', (data: Buffer) => this.push(data));
      this.inflate.on('end', () => this.push(null));
      this.inflate.on('error', (error) => this.destroy(error));
    }
    this.inflate.write(chunk, encoding, callback);
  }

  override _final(callback: TransformCallback): void {
    // The inner stream's 'end' ends this one's readable side.
    this.inflate?.end();
    this.inflate = null;
    callback();
  }
}

type BodyReadable = Dispatcher.ResponseData['body'];

// What cancelling an unread body lets undici read and discard before it cuts the connection.
const DRAIN_LIMIT = 64 * 1024;

/**
 * The reader fetchFeed uses, over a Node stream. Cancelling mid-read tears the socket's body and
 * any decoder down, as cancelling a web fetch's body aborts it. A body never read (a 304's, a
 * redirect's, an error page's) is handed to undici's dump instead, which discards one that is
 * already complete at once and keeps its connection: destroying it would abort the finished
 * request, and the abort error undici makes for each, 9,000 of them in a cycle of mostly-304
 * sources, was enough garbage to raise that poll's peak RSS by 150 MB (docs/performance.md).
 */
function bodyOf(socketBody: BodyReadable, decoded: Readable): UpstreamBody {
  // Errors reach the reader through the iterator; a body nobody reads (cancelled, or dropped on a
  // refusal) must not raise them as uncaught.
  const ignore = () => undefined;
  socketBody.on('error', ignore);
  if (decoded !== socketBody) decoded.on('error', ignore);
  let chunks: AsyncIterator<Buffer> | null = null;
  const cancel = async () => {
    if (chunks === null && decoded === socketBody) {
      // Not read at all, as a 304's or a redirect's body: let undici discard it (at once when it
      // is complete, as such bodies are by now) rather than abort the request.
      void socketBody.dump({ limit: DRAIN_LIMIT }).catch(ignore);
      return;
    }
    decoded.destroy();
    socketBody.destroy();
  };
  const reader = {
    async read() {
      chunks ??= decoded[Symbol.asyncIterator]();
      const next = await chunks.next();
      if (next.done) return { done: true as const };
      const chunk = next.value;
      return { done: false as const, value: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) };
    },
    cancel,
  };
  return { getReader: () => reader, cancel };
}

/** An undici Agent whose every connection goes only to addresses `allow` admits for its host. */
export function createGuardedAgent(allow: Allowlist, options: NodeFetchOptions = {}): Agent {
  const base = buildConnector({
    lookup: guardedLookup(allow, options.lookup ?? (dnsLookup as LookupFunction)),
    timeout: options.connectTimeoutMs ?? 10_000,
    ...(options.tls ?? {}),
  });
  const connector: buildConnector.connector = (connectOptions, callback) => {
    const host = connectOptions.hostname;
    // An address literal skips the lookup entirely, so it is judged here.
    if (isIP(host) && !admits(allow, host, host)) {
      callback(new FetchError('blocked', blockedMessage(host, host)), null);
      return;
    }
    base(connectOptions, (error, socket) => {
      if (error) {
        callback(error, null);
        return;
      }
      // Belt and braces: whatever path led here, judge the peer the socket really is connected to.
      const remote = (socket as Socket).remoteAddress;
      if (remote === undefined) {
        // Already closed again: nothing was sent, and there is no address to judge.
        (socket as Socket).destroy();
        callback(Object.assign(new Error('connection closed as it opened'), { code: 'ECONNRESET' }), null);
        return;
      }
      if (!admits(allow, host, remote)) {
        (socket as Socket).destroy();
        callback(new FetchError('blocked', blockedMessage(host, remote)), null);
        return;
      }
      survivePausedParserEnd(socket as Socket);
      callback(null, socket as Socket);
    });
  };
  return new Agent({ connect: connector });
}

interface Http1Parser {
  paused: boolean;
  resume(): void;
}

/**
 * undici 7 kills the process with an uncatchable AssertionError (`assert(!this.paused)` in
 * Parser.finish, nodejs/undici#5360; fixed in undici 8, which needs Node 22) when the connection
 * ends, resets or closes while the HTTP/1 parser is paused by backpressure: a slow reader of a
 * gzip bomb sent with `Connection: close` is enough. Before undici's own listeners see the event,
 * let a paused parser run to the end of what it already has (what undici 8 does on 'end'), and
 * otherwise clear the flag that trips the assertion: llhttp itself finishes a paused parser fine.
 * Remove when the project moves to Node 22 and undici 8.
 */
function survivePausedParserEnd(socket: Socket): void {
  const emit = socket.emit;
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'end' || event === 'error' || event === 'close') {
      const parser = http1Parser(this);
      if (parser?.paused) {
        if (event === 'end' && !this.destroyed) parser.resume();
        if (parser.paused) parser.paused = false;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<Socket['emit']>);
  } as Socket['emit'];
}

function http1Parser(socket: Socket): Http1Parser | null {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'parser');
  const parser = key ? (socket as unknown as Record<symbol, unknown>)[key] : null;
  return parser && typeof parser === 'object' && 'paused' in parser && typeof (parser as Http1Parser).resume === 'function'
    ? (parser as Http1Parser)
    : null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that resolves every address of the name, keeps the ones the allowlist
 * admits and refuses when none is left. Names under `.invalid` never resolve (RFC 6761 §6.4),
 * answered here without asking any DNS server.
 */
function guardedLookup(allow: Allowlist, resolve: LookupFunction): LookupFunction {
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const name = normalizeHost(hostname);
    if (name === 'invalid' || name.endsWith('.invalid')) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      error.code = 'ENOTFOUND';
      (error as { hostname?: string }).hostname = hostname;
      callback(error, []);
      return;
    }
    const all: LookupAllOptions = { ...options, all: true };
    resolve(hostname, all, ((error: NodeJS.ErrnoException | null, addresses: LookupAddress[] | string) => {
      if (error) {
        callback(error, []);
        return;
      }
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }];
      const admitted = list.filter((a) => admits(allow, hostname, a.address));
      if (admitted.length === 0) {
        const first = list[0]?.address ?? 'no address';
        callback(new FetchError('blocked', blockedMessage(hostname, first)) as NodeJS.ErrnoException, []);
        return;
      }
      if (options.all) callback(null, admitted);
      else callback(null, admitted[0]!.address, admitted[0]!.family);
    }) as Parameters<LookupFunction>[2]);
  };
  return lookup as LookupFunction;
}
