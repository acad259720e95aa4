// The fetch the Node poller uses: undici with a connector that checks every address it is about
// to connect to, so a public name that resolves inward (or rebinds between polls) is refused at
// the socket, not just at the URL. Refusals are FetchErrors, which fetchFeed unwraps from fetch's
// "fetch failed" TypeError. Decompression stays with undici's fetch; the byte cap in fetchFeed
// counts decompressed bytes.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { admits, blockedMessage, checkUpstreamUrl, normalizeHost, parseAllowlist, type Allowlist } from '../fetcher/address-guard.ts';
import { FetchError } from '../fetcher/index.ts';

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
export function createNodeFetch(allowPrivate: string[], options: NodeFetchOptions = {}): typeof globalThis.fetch {
  const allow = parseAllowlist(allowPrivate);
  const dispatcher = createGuardedAgent(allow, options);
  const guardedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const refusal = checkUpstreamUrl(new URL(href), allow);
    if (refusal) throw new FetchError(refusal.code, refusal.message);
    // undici's Request/Response are the same web classes as the DOM typings, from a newer undici.
    const response = await undiciFetch(href, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]);
    return response as unknown as Response;
  };
  return guardedFetch as typeof globalThis.fetch;
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
