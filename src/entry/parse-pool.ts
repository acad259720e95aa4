// Worker threads for the CPU half of polling (poller/parse.ts), so decoding, parsing and sanitizing
// run beside the main thread's fetching and storing: a first poll of 200 feeds × 50 items is
// CPU-bound on one core otherwise (docs/performance.md). Node only.
//   - `npm run poll` starts the threads with the process, so they have loaded their modules by the
//     time the first bodies arrive (~0.1 s of CPU when nothing changed); others start them at the
//     first parse.
//   - A parse goes to the least busy ready thread, queueing there: the calling thread keeps to
//     fetching and storing. Only while no thread is ready does it parse itself. (Measured on the
//     anchor workload: splitting the parsing between both threads costs more CPU — each isolate
//     warms its own JIT — and ended later: 6.6 s against 5.7–6.1 s; two threads on two cores
//     gained nothing and cost ~90 MB.)
//   - A thread says it is ready in memory shared with this one (an Atomics flag), not only by a
//     message: a message waits for this thread's event loop, and while the first bodies arrive
//     that loop is busy parsing them in-line. Measured on the anchor workload: the thread was
//     ready 0.5 s into the process, but its message was read at 1.15 s, after 15 feeds had been
//     parsed in-line with code not yet optimized in this isolate (~0.6 s of this thread, ~20 MB).
//     The poll took as long either way (that parsing had run beside the thread's, not on top of
//     it); what the flag saves is this thread's time and memory (docs/performance.md).
//   - Results are what the in-line call returns (structured clone keeps Dates); a ParseError is
//     rebuilt as one. A thread that cannot start or dies is dropped and its work redone in-line,
//     so polling never depends on the pool.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedFeed, ParseFeedBody } from '../poller/parse.ts';
import { parseInline } from '../poller/parse-inline.ts';
import { ParseError, type AdvertisedFeed } from '../parser/raw-feed.ts';
import type { ParseWorkerData } from './parse-worker.ts';

interface Reply {
  id: number;
  ready?: true;
  parsed?: ParsedFeed;
  error?: { parse: boolean; message: string; feedLinks: AdvertisedFeed[] };
}

interface Pending {
  resolve: (parsed: ParsedFeed) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Set to 1 by the thread once its modules are loaded (parse-worker.ts). */
  readyFlag: Int32Array;
  ready: boolean;
  pending: Map<number, Pending>;
}

export interface ParsePool {
  parse: ParseFeedBody;
  /** Resolves true once a thread is ready to take work, false if none could start (parsing is then in-line). */
  whenReady(): Promise<boolean>;
  /** Whether a thread is ready now, without waiting for its message to be read. */
  hasReadyThread(): boolean;
  /** Parses so far, by where they ran. */
  counts(): { pooled: number; inline: number };
  close(): Promise<void>;
}


/** One thread per core beyond the first (the main thread and the database need one), at most 4. */
export function defaultPoolSize(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

function startWorker(readyFlag: Int32Array): Worker {
  const workerData: ParseWorkerData = { readyFlag };
  if (import.meta.url.endsWith('.ts')) {
    // Running from source under tsx, whose loader worker threads do not inherit: register it first.
    const entry = new URL('./parse-worker.ts', import.meta.url);
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(code, { eval: true, workerData });
  }
  // Compiled ahead of time (scripts/run.mjs): the worker's bundle sits beside this one.
  return new Worker(new URL('./parse-worker.mjs', import.meta.url), { workerData });
}

/** A slot's thread is ready once it has said so, in shared memory or by message. */
function isReady(slot: Slot): boolean {
  if (!slot.ready && Atomics.load(slot.readyFlag, 0) === 1) slot.ready = true;
  return slot.ready;
}

/**
 * `eager`: start the threads now (they load their modules while the caller boots) rather than at
 * the first parse.
 */
export function createParsePool(size = defaultPoolSize(), { eager = false } = {}): ParsePool {
  const slots: Slot[] = [];
  let started = false;
  let closed = false;
  let nextId = 1;
  const waiters: ((ready: boolean) => void)[] = [];
  const settle = (ready: boolean) => {
    for (const resolve of waiters.splice(0)) resolve(ready);
  };

  const start = () => {
    started = true;
    for (let i = 0; i < size; i++) {
      const readyFlag = new Int32Array(new SharedArrayBuffer(4));
      let worker: Worker;
      try {
        worker = startWorker(readyFlag);
      } catch {
        return;
      }
      const slot: Slot = { worker, readyFlag, ready: false, pending: new Map() };
      worker.on('message', (reply: Reply) => {
        if (reply.ready) {
          slot.ready = true;
          settle(true);
          return;
        }
        const pending = slot.pending.get(reply.id);
        if (!pending) return;
        slot.pending.delete(reply.id);
        if (reply.parsed) pending.resolve(reply.parsed);
        else if (reply.error?.parse) pending.reject(new ParseError(reply.error.message, reply.error.feedLinks));
        else pending.reject(new Error(reply.error?.message ?? 'parse worker: no answer'));
      });
      const drop = () => {
        const index = slots.indexOf(slot);
        if (index !== -1) slots.splice(index, 1);
        const redo = Object.assign(new Error('parse worker stopped'), { redoInline: true });
        for (const pending of slot.pending.values()) pending.reject(redo);
        slot.pending.clear();
        if (slots.length === 0) settle(false);
      };
      worker.on('error', drop);
      worker.on('exit', () => {
        if (!closed) drop();
      });
      slots.push(slot);
    }
  };

  if (eager) start();

  const counts = { pooled: 0, inline: 0 };
  const inline: ParseFeedBody = (body, contentType, url) => {
    counts.inline++;
    return parseInline(body, contentType, url);
  };

  const parse: ParseFeedBody = async (body, contentType, url) => {
    if (closed) return inline(body, contentType, url);
    if (!started) start();
    let slot: Slot | null = null;
    for (const candidate of slots) {
      if (isReady(candidate) && (!slot || candidate.pending.size < slot.pending.size)) slot = candidate;
    }
    if (!slot) return inline(body, contentType, url);
    const chosen = slot;
    const id = nextId++;
    try {
      const parsed = await new Promise<ParsedFeed>((resolve, reject) => {
        chosen.pending.set(id, { resolve, reject });
        chosen.worker.postMessage({ id, body, contentType, url });
      });
      counts.pooled++;
      return parsed;
    } catch (error) {
      if ((error as { redoInline?: boolean }).redoInline) return inline(body, contentType, url);
      throw error;
    }
  };

  return {
    parse,
    whenReady() {
      if (!started) start();
      if (slots.some(isReady)) return Promise.resolve(true);
      if (closed || slots.length === 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => waiters.push(resolve));
    },
    hasReadyThread: () => slots.some(isReady),
    counts: () => ({ ...counts }),
    async close() {
      closed = true;
      settle(false);
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
