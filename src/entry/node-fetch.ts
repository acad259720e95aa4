// The fetch the Node poller uses. TODO(ingestion): check the address actually connected to.
export function createNodeFetch(_allowPrivate: string[]): typeof globalThis.fetch {
  return globalThis.fetch;
}
