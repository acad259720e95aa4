// What every operation receives. The errors operations throw are the AppErrors of src/errors.ts:
// the admin API maps them to statuses through app.ts's onError; the CLI prints their messages.
import type { Kysely } from 'kysely';
import { UnavailableError } from '../errors.ts';
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

export function requirePoller(deps: OperationDeps): PollerDeps {
  if (!deps.poller) throw new UnavailableError('this instance has no poller configured, so it cannot fetch upstreams');
  return deps.poller;
}
