// Every entry's last resort. Its own module, so that `npm run poll` can report a failure before
// it has loaded boot's modules (entry/poll.ts imports them only once its parse threads start).

/** Prints a start-up failure as one readable line and exits non-zero. */
export function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`feedrelay: ${message}`);
  process.exit(1);
}
