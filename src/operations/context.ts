// What every operation receives, and the errors operations throw. The admin API maps the errors
// to statuses through app.ts's onError (they are AppErrors); the CLI prints their messages.
import type { Kysely } from 'kysely';
import { AppError } from '../errors.ts';
import type { PollerDeps } from '../poller/poll-source.ts';
import type { Database } from '../store/schema.ts';

export interface OperationDeps {
  db: Kysely<Database>;
  now: () => Date;
  /** Needed to fetch (adding a source, polling now); absent where the runtime has no fetcher. */
  poller?: PollerDeps;
  /** ALLOW_PRIVATE_UPSTREAMS: judges URLs that are stored without a fetch (OPML import). */
  allowPrivateUpstreams: readonly string[];
}

/** Well-formed but refused: not a feed, an address the guard refuses, an unknown category … (422). */
export class RefusedError extends AppError {
  override name = 'RefusedError';
  constructor(message: string) {
    super(422, message);
  }
}

/** The request conflicts with the current state of the thing it names (409). */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string) {
    super(409, message);
  }
}

/** This runtime cannot do it (503). */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message: string) {
    super(503, message);
  }
}

export function requirePoller(deps: OperationDeps): PollerDeps {
  if (!deps.poller) throw new UnavailableError('this instance has no poller configured, so it cannot fetch upstreams');
  return deps.poller;
}

/** How long a poll-now or an add may hold its lease: three fetch deadlines and a minute. */
export function leaseSecondsFor(poller: PollerDeps): number {
  return Math.ceil(poller.fetcher.timeoutMs / 1000) * 3 + 60;
}
