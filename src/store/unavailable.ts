// Whether an error means "the database cannot answer right now" (down, restarting, unreachable,
// out of connections, too slow) rather than a bug or bad data. Routes answer those with 503 and a
// Retry-After, as /healthz does; the poller does not count them against the upstream.

// SQLSTATE classes and codes: 08 connection exception; 57P01–57P05 shutdown, crash, cannot
// connect now, database dropped, idle session timeout; 53300 too many connections; 57014
// statement timeout (an overloaded server).
const UNAVAILABLE_SQLSTATE = /^(?:08...|57P0[1-5]|53300|57014)$/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg reports its pool and socket states in words only.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end|connection (?:is )?closed/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET.has(code))) return true;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  // AggregateError (several addresses refused) and wrapped causes.
  const inner = (error as { errors?: unknown[] }).errors?.[0] ?? (error as { cause?: unknown }).cause;
  return inner !== undefined && inner !== error && isDatabaseUnavailable(inner);
}

/** What a route answers meanwhile (JSON routes and HTML pages alike): 503, this Retry-After, these words. */
export const DATABASE_UNAVAILABLE = {
  retryAfterSeconds: 10,
  message: 'The database is unavailable; try again shortly.',
} as const;
