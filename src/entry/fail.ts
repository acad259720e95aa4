// Apart from boot.ts so that an entry can report a failure before it has loaded boot's modules.

/** Prints a start-up failure as one readable line and exits non-zero. */
export function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`feedrelay: ${message}`);
  process.exit(1);
}
