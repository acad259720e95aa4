// Rendered feed bytes, cached per (feed, format, page) and keyed on the content version stored in
// the database, so an ingest in any process invalidates every process's copy. Concurrent requests
// for the same missing entry share one render (request coalescing).

// Hono's body() wants ArrayBuffer-backed bytes (not SharedArrayBuffer).
export type Bytes = Uint8Array<ArrayBuffer>;

export interface RenderedFeed {
  body: Bytes;
  /** Pre-compressed once per render, never per request; null where the runtime compresses. */
  gzip: Bytes | null;
  br: Bytes | null;
  etag: string;
  lastModified: Date;
}

interface Entry {
  version: string;
  value: Promise<RenderedFeed>;
  /** The render once it has finished (what peek() answers with). */
  done?: RenderedFeed;
  bytes: number;
}

export interface RenderCacheStats {
  hits: number;
  misses: number;
}

export class RenderCache {
  private readonly entries = new Map<string, Entry>();
  /** The key inserted last (the most recently used): peek() need not move it again. */
  private newest: string | null = null;
  private totalBytes = 0;
  readonly stats: RenderCacheStats = { hits: 0, misses: 0 };

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** The cached render for `key` at `version`, or a new one from `render` (shared while in flight). */
  async get(key: string, version: string, render: () => Promise<RenderedFeed>): Promise<RenderedFeed> {
    const existing = this.entries.get(key);
    if (existing && existing.version === version) {
      this.stats.hits++;
      // Re-insert to keep Map order = least recently used first.
      this.entries.delete(key);
      this.entries.set(key, existing);
      this.newest = key;
      return existing.value;
    }
    this.stats.misses++;
    if (existing) this.remove(key);
    const entry: Entry = { version, value: render(), bytes: 0 };
    this.entries.set(key, entry);
    this.newest = key;
    try {
      const value = await entry.value;
      if (this.entries.get(key) === entry) {
        entry.done = value;
        entry.bytes = value.body.byteLength + (value.gzip?.byteLength ?? 0) + (value.br?.byteLength ?? 0);
        this.totalBytes += entry.bytes;
        this.evict();
      }
      return value;
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  /**
   * The finished render for `key` at `version`, without waiting and without rendering: the Node
   * entry's fast path answers from it (routes/feeds.ts cachedFeedAnswer). Counts as a hit.
   */
  peek(key: string, version: string): RenderedFeed | undefined {
    const existing = this.entries.get(key);
    if (!existing || existing.version !== version || !existing.done) return undefined;
    this.stats.hits++;
    if (this.newest !== key) {
      this.entries.delete(key);
      this.entries.set(key, existing);
      this.newest = key;
    }
    return existing.done;
  }

  private remove(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.totalBytes -= entry.bytes;
    this.entries.delete(key);
  }

  private evict() {
    for (const key of this.entries.keys()) {
      if (this.totalBytes <= this.maxBytes) return;
      this.remove(key);
    }
  }
}
