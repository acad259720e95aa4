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
//   - Results are what the in-line call returns (structured clone keeps Dates); a ParseError is
//     rebuilt as one. A thread that cannot start or dies is dropped and its work redone in-line,
//     so polling never depends on the pool.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseAndNormalize, type ParsedFeed, type ParseFeedBody } from '../poller/parse.ts';
import { ParseError, type AdvertisedFeed } from '../parser/index.ts';

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
  ready: boolean;
  pending: Map<number, Pending>;
}

export interface ParsePool {
  parse: ParseFeedBody;
  /** Resolves true once a thread is ready to take work, false if none could start (parsing is then in-line). */
  whenReady(): Promise<boolean>;
  close(): Promise<void>;
}


/** One thread per core beyond the first (the main thread and the database need one), at most 4. */
export function defaultPoolSize(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

function startWorker(): Worker {
  if (import.meta.url.endsWith('.ts')) {
    // Running from source under tsx, whose loader worker threads do not inherit: register it first.
    const entry = new URL('./parse-worker.ts', import.meta.url);
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(code, { eval: true });
  }
  // Compiled ahead of time (scripts/run.mjs): the worker's bundle sits beside this one.
  return new Worker(new URL('./parse-worker.mjs', import.meta.url));
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
      let worker: Worker;
      try {
        worker = startWorker();
      } catch {
        return;
      }
      const slot: Slot = { worker, ready: false, pending: new Map() };
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

  const parse: ParseFeedBody = async (body, contentType, url) => {
    if (closed) return parseAndNormalize(body, contentType, url);
    if (!started) start();
    let slot: Slot | null = null;
    for (const candidate of slots) {
      if (candidate.ready && (!slot || candidate.pending.size < slot.pending.size)) slot = candidate;
    }
    if (!slot) return parseAndNormalize(body, contentType, url);
    const chosen = slot;
    const id = nextId++;
    try {
      return await new Promise<ParsedFeed>((resolve, reject) => {
        chosen.pending.set(id, { resolve, reject });
        chosen.worker.postMessage({ id, body, contentType, url });
      });
    } catch (error) {
      if ((error as { redoInline?: boolean }).redoInline) return parseAndNormalize(body, contentType, url);
      throw error;
    }
  };

  return {
    parse,
    whenReady() {
      if (!started) start();
      if (slots.some((slot) => slot.ready)) return Promise.resolve(true);
      if (closed || slots.length === 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      settle(false);
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
