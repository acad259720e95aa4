// Guarded conditional GET of one upstream feed. Web-standard fetch only, so Node and Workers share
// it; the Node entry hands in a fetch whose connections are checked against the address actually
// connected to (see fetcher/address-guard.ts).

export interface FetchRequest {
  url: string;
  etag: string | null;
  lastModified: string | null;
}

export interface FetcherDeps {
  fetch: typeof globalThis.fetch;
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
  | 'redirect'
  | 'blocked'
  | 'scheme';

export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly status: number | null = null,
    readonly headers: Headers | null = null,
  ) {
    super(message);
  }
}

export const MAX_REDIRECTS = 10;
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1';

export function checkScheme(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('scheme', `fetcher: only http and https URLs can be fetched, not ${url.protocol}`);
  }
}

export async function fetchFeed(request: FetchRequest, deps: FetcherDeps): Promise<FetchResult> {
  // One deadline for the whole exchange: every hop, headers and body. undici's own timeouts only
  // measure idle gaps, so a trickling upstream would never trip them.
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    return await fetchWithRedirects(request, deps, signal);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    // A refusal raised inside the connection (the address guard) arrives wrapped by fetch.
    const cause = (error as { cause?: unknown })?.cause;
    if (cause instanceof FetchError) throw cause;
    if (signal.aborted) {
      throw new FetchError('timeout', `fetcher: no complete answer within ${deps.timeoutMs / 1000}s`);
    }
    throw new FetchError('network', `fetcher: ${describeNetworkError(error)}`);
  }
}

async function fetchWithRedirects(request: FetchRequest, deps: FetcherDeps, signal: AbortSignal): Promise<FetchResult> {
  let url = new URL(request.url);
  let permanent = true;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkScheme(url);
    await deps.checkUrl?.(url);
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'user-agent': deps.userAgent,
      'accept-encoding': 'gzip, br',
    };
    // Validators belong to the stored URL; a redirect target gets an unconditional request.
    if (hop === 0) {
      if (request.etag) headers['if-none-match'] = request.etag;
      if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    }
    const response = await deps.fetch(url.href, { headers, redirect: 'manual', signal });
    if ([301, 302, 303, 307, 308].includes(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) throw new FetchError('redirect', `fetcher: HTTP ${response.status} without a Location header`, response.status);
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        throw new FetchError('redirect', `fetcher: refused a redirect from https to http (${next.href})`, response.status);
      }
      permanent &&= response.status === 301 || response.status === 308;
      url = next;
      continue;
    }
    const common = {
      url: url.href,
      status: response.status,
      headers: response.headers,
      permanentUrl: permanent && url.href !== request.url ? url.href : null,
    };
    if (response.status === 304) {
      await response.body?.cancel();
      return { ...common, kind: 'not-modified' };
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      throw new FetchError('http', `fetcher: upstream answered HTTP ${response.status}`, response.status, response.headers);
    }
    const body = await readCapped(response, deps.maxBytes);
    return { ...common, kind: 'ok', body, contentType: response.headers.get('content-type') };
  }
  throw new FetchError('redirect', `fetcher: more than ${MAX_REDIRECTS} redirects`);
}

/** Reads the (already decompressed) body, aborting as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  const encoded = response.headers.get('content-encoding');
  if (!encoded && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchError('too-large', `fetcher: body of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
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
      await reader.cancel();
      throw new FetchError('too-large', `fetcher: body exceeds the ${maxBytes}-byte limit`);
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

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve (DNS)';
    case 'ECONNREFUSED':
      return 'the upstream refused the connection';
    case 'ECONNRESET':
      return 'the upstream reset the connection';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the upstream is unreachable';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate problem (${code})`;
  }
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
