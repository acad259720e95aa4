// Guarded conditional GET of one upstream feed, over any fetch that answers with fetch's Response
// shape (status, headers, a body reader): Workers hand in the runtime's fetch; the Node entry a
// leaner one on undici's request API whose connections are checked against the address actually
// connected to (entry/node-fetch.ts, fetcher/address-guard.ts).
import { checkUpstreamUrl, parseAllowlist } from './address-guard.ts';

export interface FetchRequest {
  url: string;
  etag: string | null;
  lastModified: string | null;
}

/** The part of fetch's Response that fetchFeed reads; a web Response is one. */
export interface UpstreamAnswer {
  status: number;
  headers: Headers;
  body: UpstreamBody | null;
}

export interface UpstreamBody {
  getReader(): { read(): Promise<{ done: true; value?: Uint8Array } | { done: false; value: Uint8Array }>; cancel(): Promise<void> };
  cancel(): Promise<void>;
}

/** One request as fetchFeed makes it: GET, redirects answered rather than followed, one deadline. */
export type UpstreamFetch = (url: string, init: { headers: Record<string, string>; redirect: 'manual'; signal: AbortSignal }) => Promise<UpstreamAnswer>;

export interface FetcherDeps {
  fetch: UpstreamFetch;
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  /** Called for the first URL and every redirect hop before it is requested; throws FetchError to refuse. */
  checkUrl?: (url: URL) => Promise<void> | void;
}

interface FetchedCommon {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /** Set when every hop from the requested URL was a permanent redirect (301/308). */
  permanentUrl: string | null;
}

export type FetchResult =
  | (FetchedCommon & { kind: 'not-modified' })
  | (FetchedCommon & { kind: 'ok'; body: Uint8Array; contentType: string | null });

export type FetchErrorCode =
  | 'timeout'
  | 'too-large'
  | 'http'
  | 'network'
  | 'dns'
  | 'tls'
  | 'redirect'
  | 'blocked'
  | 'scheme'
  | 'url';

export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly status: number | null = null,
    /** The upstream's headers when it answered (Retry-After on 429/503 lives here). */
    readonly headers: Headers | null = null,
  ) {
    super(message);
  }
}

export const MAX_REDIRECTS = 10;
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function checkScheme(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('scheme', `fetcher: only http and https URLs can be fetched, not ${url.protocol}`);
  }
}

/**
 * A `checkUrl` for FetcherDeps from ALLOW_PRIVATE_UPSTREAMS entries: refuses, before any request,
 * what the URL alone shows to be off limits (scheme, address literals, localhost, user:pass@).
 * Throws AllowlistError on an entry it cannot read.
 */
export function urlGuard(allowPrivate: readonly string[]): (url: URL) => void {
  const allow = parseAllowlist(allowPrivate);
  return (url) => {
    const refusal = checkUpstreamUrl(url, allow);
    if (refusal) throw new FetchError(refusal.code, refusal.message);
  };
}

export async function fetchFeed(request: FetchRequest, deps: FetcherDeps): Promise<FetchResult> {
  // One deadline for the whole exchange: every hop, headers and body. undici's own timeouts only
  // measure idle gaps, so a trickling upstream would never trip them.
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    return await fetchWithRedirects(request, deps, signal);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    // A refusal raised inside the connection (the address guard) arrives wrapped by a web fetch.
    const cause = (error as { cause?: unknown })?.cause;
    if (cause instanceof FetchError) throw cause;
    if (signal.aborted) {
      throw new FetchError('timeout', `fetcher: no complete answer within ${deps.timeoutMs / 1000}s (FETCH_TIMEOUT)`);
    }
    const { code, words } = describeNetworkError(error);
    throw new FetchError(code, `fetcher: ${words}`);
  }
}

async function fetchWithRedirects(request: FetchRequest, deps: FetcherDeps, signal: AbortSignal): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new FetchError('url', `fetcher: "${request.url}" is not a URL`);
  }
  const requested = url.href;
  let permanent = true;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // Every hop is checked as if it were the first URL: a redirect is just another request.
    checkScheme(url);
    await deps.checkUrl?.(url);
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'user-agent': deps.userAgent,
      'accept-encoding': 'gzip, deflate, br',
    };
    // Validators belong to the stored URL; a redirect target gets an unconditional request.
    if (hop === 0) {
      if (request.etag) headers['if-none-match'] = request.etag;
      if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    }
    const response = await deps.fetch(url.href, { headers, redirect: 'manual', signal });
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      url = redirectTarget(url, response.status, response.headers.get('location'));
      permanent &&= response.status === 301 || response.status === 308;
      continue;
    }
    const common = {
      url: url.href,
      status: response.status,
      headers: response.headers,
      // Only a URL that has just answered through the guarded fetch can become the stored URL,
      // so a permanent redirect into the private network never gets this far.
      permanentUrl: permanent && url.href !== requested ? url.href : null,
    };
    if (response.status === 304) {
      await response.body?.cancel();
      return { ...common, kind: 'not-modified' };
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      throw new FetchError('http', `fetcher: upstream answered HTTP ${response.status}${statusWords(response.status)}`, response.status, response.headers);
    }
    const body = await readCapped(response, deps.maxBytes);
    return { ...common, kind: 'ok', body, contentType: response.headers.get('content-type') };
  }
  throw new FetchError('redirect', `fetcher: more than ${MAX_REDIRECTS} redirects (last to ${url.href})`);
}

/** Where a 3xx points, refusing what may never be followed. Exported for tests. */
export function redirectTarget(from: URL, status: number, location: string | null): URL {
  if (!location) throw new FetchError('redirect', `fetcher: HTTP ${status} redirect without a Location header`, status);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new FetchError('redirect', `fetcher: HTTP ${status} redirect to an unreadable Location (${location.slice(0, 200)})`, status);
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new FetchError('redirect', `fetcher: refused a redirect from https to http (${next.href})`, status);
  }
  return next;
}

function statusWords(status: number): string {
  switch (status) {
    case 401:
    case 403:
      return ' (access denied)';
    case 404:
      return ' (not found)';
    case 410:
      return ' (gone)';
    case 429:
      return ' (too many requests)';
    case 503:
      return ' (unavailable)';
    default:
      return '';
  }
}

/** Reads the (already decompressed) body, aborting as soon as it passes `maxBytes`. */
async function readCapped(response: UpstreamAnswer, maxBytes: number): Promise<Uint8Array> {
  // Content-Length counts the encoded bytes; when there is no encoding it is the body size, and
  // a declared size over the cap needs no reading to refuse (however short the body really is).
  const declared = Number(response.headers.get('content-length'));
  const encoded = response.headers.get('content-encoding');
  if ((!encoded || encoded.trim().toLowerCase() === 'identity') && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchError('too-large', `fetcher: body of ${declared} bytes exceeds the ${maxBytes}-byte limit (FETCH_MAX_BYTES)`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Cancelling tears the connection (and any decompressor) down: nothing more is read.
      await reader.cancel().catch(() => undefined);
      throw new FetchError('too-large', `fetcher: body exceeds the ${maxBytes}-byte limit (FETCH_MAX_BYTES) after decompression`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

interface ErrorDetail {
  code?: string;
  message?: string;
  hostname?: string;
  cause?: unknown;
}

/**
 * Turns what the fetch threw into words: a system or undici error, a zlib error, or (a web fetch)
 * TypeError "fetch failed" wrapping one of those.
 */
function describeNetworkError(error: unknown): { code: FetchErrorCode; words: string } {
  // The useful part may be a few causes deep: TypeError → undici SocketError → system error.
  let detail: ErrorDetail | undefined;
  for (let e = error as ErrorDetail | undefined, depth = 0; e && depth < 4; e = e.cause as ErrorDetail | undefined, depth++) {
    if (typeof e.code === 'string') {
      detail = e;
      break;
    }
  }
  const code = detail?.code ?? '';
  const host = detail?.hostname ? `${detail.hostname} ` : 'the host name ';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return { code: 'dns', words: `${host}does not resolve (DNS: no such host)` };
    case 'EAI_AGAIN':
      return { code: 'dns', words: `DNS lookup of ${host}failed temporarily` };
    case 'ECONNREFUSED':
      return { code: 'network', words: 'the upstream refused the connection (nothing listening on that port)' };
    case 'ECONNRESET':
      return { code: 'network', words: 'the upstream reset the connection' };
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { code: 'network', words: 'the upstream closed the connection before the answer was complete' };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 'timeout', words: 'could not connect to the upstream in time' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'network', words: 'the upstream is unreachable' };
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { code: 'network', words: "the upstream's response headers are too large" };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { code: 'tls', words: `TLS: the upstream's certificate is self-signed (${code})` };
    case 'CERT_HAS_EXPIRED':
      return { code: 'tls', words: `TLS: the upstream's certificate has expired (${code})` };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { code: 'tls', words: `TLS: the upstream's certificate is not valid for this host name (${code})` };
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return { code: 'tls', words: `TLS: the upstream's certificate is issued by an unknown authority or its chain is incomplete (${code})` };
  }
  if (/CERT|SSL|TLS/.test(code) || code === 'EPROTO') {
    return { code: 'tls', words: `TLS handshake failed (${code}${detail?.message ? `: ${detail.message}` : ''})` };
  }
  if (code.startsWith('HPE_')) return { code: 'network', words: `the upstream sent a malformed HTTP response (${code})` };
  if (code.startsWith('Z_') || code.startsWith('ERR__ERROR_FORMAT') || code === 'ERR_BROTLI_DECOMPRESSION_FAILED') {
    return { code: 'network', words: `the upstream's compressed body is corrupt (${code})` };
  }
  const message = detail?.message ?? (error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error));
  return { code: 'network', words: code ? `${message} (${code})` : message };
}
