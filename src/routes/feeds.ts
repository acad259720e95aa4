// GET /feeds/{slug}.{rss,atom,json} — a category (or `all`) as a feed. Rendered bytes come from
// the render cache keyed on the database's content version; validators and compression are
// computed once per render.
import { Hono, type Context } from 'hono';
import { NotFoundError } from '../errors.ts';
import { buildFeedDocument } from '../render/document.ts';
import { CONTENT_TYPES, renderFeed, type FeedFormatName } from '../render/index.ts';
import { getCategoryBySlug } from '../store/catalog.ts';
import { readArticlePage, readFeedState, type FeedState } from '../store/feeds.ts';
import type { AppDeps, RouteDeps } from '../app.ts';
import { isNotModified, strongEtag } from './conditional.ts';
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, parseLimit } from './cursor.ts';
import { chooseEncoding } from './encoding.ts';
import type { RenderCache, RenderedFeed } from './render-cache.ts';

const FILE = /^([a-z0-9-]+)\.(rss|atom|json)$/;
const MIN_MAX_AGE = 60;
const MAX_MAX_AGE = 3600;
const encoder = new TextEncoder();
const EPOCH = new Date(0);

/** Subscribers may cache until the next planned poll of the feed's sources, within bounds. */
function maxAge(state: FeedState, now: Date): number {
  if (!state.nextPollAt) return MAX_MAX_AGE;
  const seconds = Math.round((state.nextPollAt.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_MAX_AGE, Math.max(MIN_MAX_AGE, seconds));
}

export function feedRoutes(deps: RouteDeps) {
  const app = new Hono();

  async function render(slug: string, format: FeedFormatName, limit: number, beforeText: string | null, state: FeedState): Promise<RenderedFeed> {
    const before = beforeText !== null ? decodeCursor(beforeText) : null;
    const category = slug === 'all' ? null : ((await getCategoryBySlug(deps.db, slug)) ?? null);
    const page = await readArticlePage(deps.db, category?.id ?? null, limit, before);
    // Every change the feed can show (an item rewritten, a source added to an item, items listed
    // or pruned, the category's own title) bumps the version and this time with it, on one clock;
    // the newest item's changed_at alone missed the ones that leave the item's row as it was.
    const lastModified = state.changedAt ?? EPOCH;
    const doc = buildFeedDocument(page, {
      category,
      publicUrl: deps.config.publicUrl,
      limit,
      defaultLimit: DEFAULT_LIMIT,
      before: beforeText,
      nextCursor: page.next ? encodeCursor(page.next) : null,
      changedAt: lastModified,
    });
    const body = encoder.encode(renderFeed(format, doc));
    const compressed = deps.compress ? deps.compress(body) : null;
    return { body, gzip: compressed?.gzip ?? null, br: compressed?.br ?? null, etag: strongEtag(body), lastModified };
  }

  app.get('/:file', async (c) => {
    const match = FILE.exec(c.req.param('file'));
    if (!match) throw new NotFoundError(`no such feed: ${c.req.param('file')}`);
    const [, slug, format] = match as unknown as [string, string, FeedFormatName];
    const limit = parseLimit(c.req.query('limit'));
    const beforeText = c.req.query('before') ?? null;
    if (beforeText !== null) decodeCursor(beforeText); // reject a bad cursor before any work

    const state = await deps.feedStates.get(slug === 'all' ? null : slug);
    if (!state) throw new NotFoundError(`no category with slug "${slug}"`);
    const key = `${slug}.${format}?${limit}&${beforeText ?? ''}`;
    let hit = true;
    const rendered = await deps.renderCache.get(key, state.version, () => {
      hit = false;
      return render(slug, format, limit, beforeText, state);
    });
    deps.metrics.renderCache.inc({ result: hit ? 'hit' : 'miss' });
    const response = respond(c, rendered, format, maxAge(state, deps.now()));
    deps.metrics.feedRequests.inc({ format, status: String(response.status) });
    return response;
  });
  return app;
}

function feedHeaders(rendered: RenderedFeed, format: FeedFormatName, maxAgeSeconds: number): Record<string, string> {
  return {
    'content-type': CONTENT_TYPES[format],
    etag: rendered.etag,
    'last-modified': rendered.lastModified.toUTCString(),
    'cache-control': `public, max-age=${maxAgeSeconds}`,
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding',
  };
}

export interface FeedAnswer {
  status: 200 | 304;
  /** Complete (Content-Length included) and shared: never modify. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array | null;
}

const FEED_PATH = /^\/feeds\/([a-z0-9-]+)\.(rss|atom|json)$/;

/**
 * The Node entry's fast path (entry/node.ts): a GET of a feed's first page (no query string) whose
 * state was read within the memo's TTL and whose render is cached, answered without the framework
 * — the same bytes, headers and metrics as the route above, at about bare node:http's cost per
 * request (docs/performance.md). Null whenever anything is missing or stale; the caller then hands
 * the request to the app, which reads the state, renders and fills the caches.
 */
export function cachedFeedAnswer(
  deps: { renderCache: RenderCache; feedStates: FeedStateReader; metrics: RouteDeps['metrics']; now: () => Date },
  path: string,
  header: (name: 'if-none-match' | 'if-modified-since' | 'accept-encoding') => string | undefined,
): FeedAnswer | null {
  const target = fastTargetOf(path);
  if (!target) return null;
  const { slug, format } = target;
  const state = deps.feedStates.peek(slug === 'all' ? null : slug);
  if (!state) return null;
  const rendered = deps.renderCache.peek(target.cacheKey, state.version);
  if (!rendered) return null;
  deps.metrics.renderCache.inc(HIT);
  const prepared = preparedHeaders(rendered, format, maxAge(state, deps.now()));
  const validators = { get: (name: string) => header(name as 'if-none-match' | 'if-modified-since') ?? null };
  let answer: FeedAnswer;
  if (isNotModified(validators, rendered.etag, rendered.lastModified)) {
    answer = { status: 304, headers: prepared.notModified, body: null };
  } else {
    const encoding = chooseEncoding(header('accept-encoding') ?? null, { br: rendered.br !== null, gzip: rendered.gzip !== null });
    if (encoding === 'br') answer = { status: 200, headers: prepared.br!, body: rendered.br! };
    else if (encoding === 'gzip') answer = { status: 200, headers: prepared.gzip!, body: rendered.gzip! };
    else answer = { status: 200, headers: prepared.identity, body: rendered.body };
  }
  deps.metrics.feedRequests.inc(answer.status === 304 ? NOT_MODIFIED_LABELS[format] : OK_LABELS[format]);
  return answer;
}

interface FastTarget {
  slug: string;
  format: FeedFormatName;
  /** The route's render-cache key for the first page at the default limit. */
  cacheKey: string;
}

// Parsed feed paths, so a hot path costs one map lookup rather than a regex and a key to build.
const fastTargets = new Map<string, FastTarget>();

function fastTargetOf(path: string): FastTarget | null {
  const known = fastTargets.get(path);
  if (known) return known;
  const match = FEED_PATH.exec(path);
  if (!match) return null;
  const [, slug, format] = match as unknown as [string, string, FeedFormatName];
  const target = { slug, format, cacheKey: `${slug}.${format}?${DEFAULT_LIMIT}&` };
  if (fastTargets.size >= 1024) fastTargets.clear(); // any path can be asked for: stay small
  fastTargets.set(path, target);
  return target;
}

const HIT = { result: 'hit' };
const OK_LABELS = { rss: { format: 'rss', status: '200' }, atom: { format: 'atom', status: '200' }, json: { format: 'json', status: '200' } };
const NOT_MODIFIED_LABELS = { rss: { format: 'rss', status: '304' }, atom: { format: 'atom', status: '304' }, json: { format: 'json', status: '304' } };

interface PreparedHeaders {
  maxAge: number;
  notModified: Record<string, string>;
  identity: Record<string, string>;
  gzip: Record<string, string> | null;
  br: Record<string, string> | null;
}

// The fast path's header records, built once per render and max-age (formatting a date per request
// is measurable at these rates). Never mutated after they are built.
const prepared = new WeakMap<RenderedFeed, PreparedHeaders>();

function preparedHeaders(rendered: RenderedFeed, format: FeedFormatName, maxAgeSeconds: number): PreparedHeaders {
  const cached = prepared.get(rendered);
  if (cached && cached.maxAge === maxAgeSeconds) return cached;
  const headers = feedHeaders(rendered, format, maxAgeSeconds);
  const value: PreparedHeaders = {
    maxAge: maxAgeSeconds,
    notModified: headers,
    identity: { ...headers, 'content-length': String(rendered.body.byteLength) },
    gzip: rendered.gzip ? { ...headers, 'content-encoding': 'gzip', 'content-length': String(rendered.gzip.byteLength) } : null,
    br: rendered.br ? { ...headers, 'content-encoding': 'br', 'content-length': String(rendered.br.byteLength) } : null,
  };
  prepared.set(rendered, value);
  return value;
}

function respond(c: Context, rendered: RenderedFeed, format: FeedFormatName, maxAgeSeconds: number) {
  const headers = feedHeaders(rendered, format, maxAgeSeconds);
  // A Response with a plain header record, not c.body(): Hono would build a Headers object per
  // response and @hono/node-server would read it back; this way the record goes to writeHead as is
  // (the 304 path costs ~half the CPU; docs/performance.md).
  if (isNotModified(c.req.raw.headers, rendered.etag, rendered.lastModified)) {
    return new Response(null, { status: 304, headers });
  }
  const encoding = chooseEncoding(c.req.header('accept-encoding') ?? null, { br: rendered.br !== null, gzip: rendered.gzip !== null });
  if (encoding === 'br') return new Response(rendered.br!, { status: 200, headers: { ...headers, 'content-encoding': 'br' } });
  if (encoding === 'gzip') return new Response(rendered.gzip!, { status: 200, headers: { ...headers, 'content-encoding': 'gzip' } });
  return new Response(rendered.body, { status: 200, headers });
}

/**
 * Reads feed states with a short memo so a hot feed costs at most one small query per interval.
 * Stale-if-error (RFC 5861's idea): once a feed's state has been read, a database that is down,
 * or slower than `staleAfterMs` (every pooled connection busy), no longer stops the feed — the
 * last state read is used, so subscribers get the cached render while the database recovers.
 */
export class FeedStateReader {
  private readonly memo = new Map<string, { at: number; value: Promise<FeedState | undefined>; pending: boolean }>();
  private readonly lastGood = new Map<string, FeedState>();

  constructor(
    private readonly db: AppDeps['db'],
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly staleAfterMs = 1_000,
  ) {}

  get(slug: string | null): Promise<FeedState | undefined> {
    const key = slug ?? '';
    const now = this.clock();
    const hit = this.memo.get(key);
    // A read still in flight is shared, however old: a stuck database gets one query per feed, not one per request.
    const value = hit && (hit.pending || now - hit.at < this.ttlMs) ? hit.value : this.read(key, slug, now);
    const last = this.lastGood.get(key);
    if (!last) return value;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stale = new Promise<FeedState>((resolve) => {
      timer = setTimeout(() => resolve(last), this.staleAfterMs);
    });
    return Promise.race([value, stale])
      .catch(() => last)
      .finally(() => clearTimeout(timer));
  }

  /** The state read within the TTL, once that read has finished; undefined otherwise (use get()). */
  peek(slug: string | null): FeedState | undefined {
    const key = slug ?? '';
    const hit = this.memo.get(key);
    if (!hit || hit.pending || this.clock() - hit.at >= this.ttlMs) return undefined;
    return this.lastGood.get(key);
  }

  private read(key: string, slug: string | null, now: number): Promise<FeedState | undefined> {
    const entry = { at: now, value: readFeedState(this.db, slug), pending: true };
    this.memo.set(key, entry);
    entry.value.then(
      (state) => {
        entry.pending = false;
        // Unknown slugs are not remembered: any URL can name one, and the memo must stay small.
        if (state) this.lastGood.set(key, state);
        else if (this.memo.get(key) === entry) this.memo.delete(key);
      },
      () => {
        entry.pending = false;
        if (this.memo.get(key) === entry) this.memo.delete(key);
      },
    );
    return entry.value;
  }
}
