// What every benchmark receives: the run's mode, a logger, and the anchor upstream shared by (a) and (f).
import { RemoteUpstream } from './remote-upstream.ts';
import type { UpstreamInfo } from './upstream.ts';
import { anchorFeedsDir } from './fixtures.ts';

export interface Context {
  quick: boolean;
  log: (line: string) => void;
  /** Results of the benchmarks that already ran (f reuses a's serving figures: the same workload). */
  results: Record<string, unknown>;
  anchor(): Promise<Anchor>;
  close(): Promise<void>;
}

/** The anchor workload's upstream: 200 feeds × 50 items of ~2 KB Chinese HTML, with validators. */
export interface Anchor {
  upstream: RemoteUpstream;
  info: UpstreamInfo;
  feedsDir: string;
}

export const ANCHOR_FEEDS = 200;
export const ANCHOR_ITEMS = 50;
/** The anchor's 200 feeds live on this many hosts (ports): 10 feeds per host. */
export const ANCHOR_HOSTS = 20;

export function createContext(quick: boolean): Context {
  let anchor: Promise<Anchor> | null = null;
  return {
    quick,
    log: (line) => console.log(line),
    results: {},
    anchor() {
      anchor ??= (async () => {
        const { upstream, info } = await RemoteUpstream.start({ feeds: ANCHOR_FEEDS, items: ANCHOR_ITEMS, ports: ANCHOR_HOSTS, validators: true });
        await upstream.warm(info.urls.map((_, i) => i));
        return { upstream, info, feedsDir: await anchorFeedsDir(info.urls) };
      })();
      return anchor;
    },
    async close() {
      if (anchor) await (await anchor).upstream.close();
    },
  };
}
