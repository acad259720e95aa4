// Source operations shared by the admin API and the CLI: list with health, add (check, discover,
// store the checking fetch's articles), change, remove, poll now, fetch log.
import { FetchError, fetchFeed, type FetchResult } from '../fetcher/index.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { ParseError, parseFeed } from '../parser/index.ts';
import { pollSource, type PollerDeps } from '../poller/poll-source.ts';
import { leaseSecondsFor, pollDue } from '../poller/run.ts';
import {
  categoriesBySlugs,
  findSourcesByUrls,
  getLiveSource,
  insertApiSource,
  listLinks,
  listSourceHealth,
  recentFetches,
  restoreSource,
  softDeleteSource,
  unlinkCategories,
  updateSourceRow,
  type SourceFilter,
} from '../store/admin.ts';
import { linkSources } from '../store/catalog.ts';
import type { Category, Source } from '../store/schema.ts';
import { ConflictError, RefusedError } from '../errors.ts';
import { requirePoller, type OperationDeps } from './context.ts';
import { rankFeedLinks, type FeedLink } from './discover.ts';
import type { AddSourceInput, UpdateSourceInput } from './input.ts';
import { fetchView, pollView, sourceView, type FetchView, type PollView, type SourceView } from './views.ts';
import { unpollableReason } from '../poller/pollable.ts';

/** How many advertised feeds of one page are tried before giving up. */
const MAX_DISCOVERY_TRIES = 4;

export async function listSources(deps: OperationDeps, filter: Omit<SourceFilter, 'id'> = {}): Promise<SourceView[]> {
  const rows = await listSourceHealth(deps.db, deps.now(), filter);
  return rows.map(sourceView);
}

export async function getSource(deps: OperationDeps, id: number): Promise<SourceView> {
  const [row] = await listSourceHealth(deps.db, deps.now(), { id });
  if (!row) throw new NotFoundError(`no source with id ${id}`);
  return sourceView(row);
}

/** Parses an id from a path or the command line. */
export function parseSourceId(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new BadRequestError(`id: "${text}" is not a source id (a positive whole number)`);
  return Number(text);
}

/** The URL an operator typed: 400 when it is no URL at all, 422 when its scheme is not http(s). */
export function checkSourceUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError(`url: "${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RefusedError(`url: only http and https URLs can be sources, not ${url.protocol}`);
  }
  url.hash = '';
  return url;
}

/** The categories named, all of which must exist (422 naming the first that does not). */
async function resolveCategories(deps: OperationDeps, slugs: string[]): Promise<Category[]> {
  const wanted = [...new Set(slugs)];
  const found = await categoriesBySlugs(deps.db, wanted);
  const missing = wanted.find((slug) => !found.some((c) => c.slug === slug));
  if (missing !== undefined) throw new RefusedError(`categories: no category "${missing}" (create it first)`);
  return wanted.map((slug) => found.find((c) => c.slug === slug)!);
}

export interface Discovery {
  /** The HTML page that was given. */
  page: string;
  chosen: FeedLink;
  /** The page's other feeds, best first, for the operator to add instead. */
  alternatives: FeedLink[];
}

export interface AddSourceResult {
  /** false: the URL already was a source; the categories given were added to it (HTTP 409). */
  created: boolean;
  /** The URL belonged to a source deleted earlier, which is back with its articles. */
  restored: boolean;
  source: SourceView;
  /** Set when the URL was a page and the feed was found through its `<link rel="alternate">`s. */
  discovery: Discovery | null;
  /** What storing the checking fetch did; null when nothing was fetched (existing source). */
  poll: PollView | null;
}

type FetchedBody = Extract<FetchResult, { kind: 'ok' }>;

async function fetchOnce(poller: PollerDeps, url: string): Promise<FetchedBody> {
  try {
    const result = await fetchFeed({ url, etag: null, lastModified: null }, poller.fetcher);
    if (result.kind !== 'ok') throw new FetchError('http', `fetcher: upstream answered HTTP ${result.status} to an unconditional request`);
    return result;
  } catch (error) {
    if (error instanceof FetchError) throw new RefusedError(`${url}: ${error.message}`);
    throw error;
  }
}

interface CheckedFeed {
  /** The URL to store: the one checked, or where it permanently redirects. */
  url: string;
  fetched: FetchedBody;
  discovery: Discovery | null;
}

/**
 * Fetches the URL once and makes sure it is a feed. An HTML page is searched for the feeds it
 * advertises; they are tried best first, and the first that parses is chosen.
 */
async function checkFeed(poller: PollerDeps, url: string, isTaken: (url: string) => Promise<boolean>): Promise<CheckedFeed> {
  const fetched = await fetchOnce(poller, url);
  let advertised: readonly unknown[];
  try {
    await parseFeed(fetched.body, fetched.contentType, fetched.url);
    return { url: fetched.permanentUrl ?? url, fetched, discovery: null };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    advertised = (error.feedLinks ?? []) as readonly unknown[];
    if (advertised.length === 0) {
      const html = /html page/i.test(error.message) && !/advertises/i.test(error.message) ? '; the page advertises no feed (<link rel="alternate">)' : '';
      throw new RefusedError(`${url}: ${error.message}${html}`);
    }
  }
  const candidates = rankFeedLinks(advertised, fetched.url);
  if (candidates.length === 0) throw new RefusedError(`${url}: not a feed, and none of the feed links the page advertises is an http(s) URL`);
  const reasons: string[] = [];
  for (const candidate of candidates.slice(0, MAX_DISCOVERY_TRIES)) {
    const alternatives = candidates.filter((c) => c !== candidate);
    // Already a source: no need to fetch it again; the caller answers with that source.
    if (await isTaken(candidate.url)) {
      return { url: candidate.url, fetched, discovery: { page: url, chosen: candidate, alternatives } };
    }
    try {
      const feed = await fetchOnce(poller, candidate.url);
      await parseFeed(feed.body, feed.contentType, feed.url);
      return { url: feed.permanentUrl ?? candidate.url, fetched: feed, discovery: { page: url, chosen: candidate, alternatives } };
    } catch (error) {
      if (!(error instanceof RefusedError) && !(error instanceof ParseError)) throw error;
      reasons.push(error instanceof RefusedError ? error.message : `${candidate.url}: ${error.message}`);
    }
  }
  throw new RefusedError(`${url}: an HTML page whose advertised feeds could not be used: ${reasons.join('; ')}`);
}

/**
 * A fetch that answers the first request for `url` with the body already fetched, so the checking
 * fetch runs through pollSource — articles, validators, body hash, schedule and fetch log recorded
 * exactly as a scheduled poll records them — without asking the upstream a second time.
 */
function replayFetch(url: string, fetched: FetchedBody): typeof globalThis.fetch {
  let used = false;
  const replay = async (input: RequestInfo | URL): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (used || href !== url) throw new FetchError('network', `poller: unexpected request for ${href} while storing the checking fetch`);
    used = true;
    const headers = new Headers(fetched.headers);
    // The body is already decoded and complete.
    for (const name of ['content-encoding', 'content-length', 'transfer-encoding']) headers.delete(name);
    return new Response(new Uint8Array(fetched.body), { status: 200, headers });
  };
  return replay as typeof globalThis.fetch;
}

async function linkApiCategories(deps: OperationDeps, sourceId: number, categories: Category[]): Promise<void> {
  if (categories.length === 0) return;
  await deps.db.transaction().execute(async (tx) => {
    for (const category of categories) await linkSources(tx, category.id, [sourceId], 'api');
    // Linked through the API: the source stays polled even if feeds/ stops listing it.
    await updateSourceRow(tx, sourceId, { addedByApi: true });
  });
}

export async function addSource(deps: OperationDeps, input: AddSourceInput): Promise<AddSourceResult> {
  const url = checkSourceUrl(input.url);
  const categories = await resolveCategories(deps, input.categories);
  const existing = async (candidate: string): Promise<Source | undefined> =>
    (await findSourcesByUrls(deps.db, [candidate])).find((s) => s.deleted_at === null);
  const answerExisting = async (source: Source, discovery: Discovery | null): Promise<AddSourceResult> => {
    await linkApiCategories(deps, source.id, categories);
    return { created: false, restored: false, source: await getSource(deps, source.id), discovery, poll: null };
  };

  const already = await existing(url.href);
  if (already) return answerExisting(already, null);

  const poller = requirePoller(deps);
  const checked = await checkFeed(poller, url.href, async (u) => (await existing(u)) !== undefined);
  const feedUrl = new URL(checked.url).href;
  const lease = { owner: poller.owner, until: new Date(deps.now().getTime() + leaseSecondsFor(poller.fetcher.timeoutMs) * 1000) };
  const fields = { title: input.title ?? null, intervalSeconds: input.interval ?? null, lease };

  const [previous] = await findSourcesByUrls(deps.db, [feedUrl]);
  if (previous && previous.deleted_at === null) return answerExisting(previous, checked.discovery);
  const stored = await deps.db.transaction().execute(async (tx) => {
    const row = previous ? await restoreSource(tx, previous.id, fields) : await insertApiSource(tx, { url: feedUrl, ...fields });
    if (!row) return undefined;
    for (const category of categories) await linkSources(tx, category.id, [row.id], 'api');
    return row;
  });
  if (!stored) {
    // Another request added the same URL in the meantime.
    const winner = await existing(feedUrl);
    if (!winner) throw new ConflictError(`${feedUrl} was added and removed concurrently; try again`);
    return answerExisting(winner, checked.discovery);
  }

  const outcome = await pollSource({ ...poller, fetcher: { ...poller.fetcher, fetch: replayFetch(stored.url, checked.fetched) } }, stored);
  return {
    created: true,
    restored: previous !== undefined,
    source: await getSource(deps, stored.id),
    discovery: checked.discovery,
    poll: pollView(outcome),
  };
}

export async function updateSource(deps: OperationDeps, id: number, input: UpdateSourceInput): Promise<SourceView> {
  const source = await getLiveSource(deps.db, id);
  if (!source) throw new NotFoundError(`no source with id ${id}`);
  const wanted = input.categories !== undefined ? await resolveCategories(deps, input.categories) : null;
  const links = await listLinks(deps.db, [id]);
  if (wanted) {
    // Links from feeds/ belong to the files: dropping one here would come back at the next start.
    const fileOwned = links.find((l) => l.origin === 'file' && !wanted.some((c) => c.id === l.categoryId));
    if (fileOwned) {
      throw new RefusedError(
        `categories: "${fileOwned.slug}" comes from feeds/${fileOwned.slug}.yaml; remove the source from that file to take it out of the category`,
      );
    }
  }
  const now = deps.now();
  await deps.db.transaction().execute(async (tx) => {
    if (wanted) {
      const toAdd = wanted.filter((c) => !links.some((l) => l.categoryId === c.id));
      const toRemove = links.filter((l) => l.origin === 'api' && !wanted.some((c) => c.id === l.categoryId));
      for (const category of toAdd) await linkSources(tx, category.id, [id], 'api');
      await unlinkCategories(tx, id, toRemove.map((l) => l.categoryId));
    }
    const resume = input.status === 'ok' && (source.status === 'paused' || source.status === 'gone');
    await updateSourceRow(tx, id, {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.interval !== undefined ? { intervalSeconds: input.interval } : {}),
      ...(input.status === 'paused' ? { status: 'paused' as const } : {}),
      ...(resume ? { status: 'ok' as const, dueNow: true } : {}),
      // A shorter interval takes effect now, not after the wait the old one planned.
      ...(typeof input.interval === 'number' ? { pollNoLaterThan: new Date(now.getTime() + input.interval * 1000) } : {}),
      ...(wanted && wanted.length > 0 ? { addedByApi: true } : {}),
    });
  });
  return getSource(deps, id);
}

export async function removeSource(deps: OperationDeps, id: number): Promise<SourceView> {
  const source = await getLiveSource(deps.db, id);
  if (!source) throw new NotFoundError(`no source with id ${id}`);
  const before = await getSource(deps, id);
  const now = deps.now();
  await softDeleteSource(deps.db, id, now);
  return { ...before, categories: [], file_categories: [], polled: false, next_poll_at: null, deleted_at: now.toISOString() };
}

export interface PollNowResult {
  source: SourceView;
  poll: PollView;
}

export async function pollSourceNow(deps: OperationDeps, id: number): Promise<PollNowResult> {
  const source = await getLiveSource(deps.db, id);
  if (!source) throw new NotFoundError(`no source with id ${id}`);
  const unpollable = unpollableReason(source);
  if (unpollable) throw new ConflictError(unpollable);
  const poller = requirePoller(deps);
  // Through the queue, so a poll already running elsewhere (a held lease) is never doubled.
  const summary = await pollDue(poller, { concurrency: 1, perHost: 1, batchSize: 1, leaseSeconds: leaseSecondsFor(poller.fetcher.timeoutMs), sourceId: id });
  const outcome = summary.outcomes[0];
  if (!outcome) throw new ConflictError(`source ${id} is being polled by another poller right now; try again in a moment`);
  return { source: await getSource(deps, id), poll: pollView(outcome) };
}

export const MAX_FETCH_LOG = 50;

export async function listFetches(deps: OperationDeps, id: number, limit = MAX_FETCH_LOG): Promise<FetchView[]> {
  const source = await getLiveSource(deps.db, id);
  if (!source) throw new NotFoundError(`no source with id ${id}`);
  const rows = await recentFetches(deps.db, id, Math.min(Math.max(1, limit), MAX_FETCH_LOG));
  return rows.map(fetchView);
}
