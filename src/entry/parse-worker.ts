// A parse-pool worker thread (entry/parse-pool.ts): runs parseAndNormalize for the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { parseAndNormalize } from '../poller/parse.ts';
import { ParseError } from '../parser/index.ts';

export interface ParseWorkerData {
  /** Set to 1 here once the modules are loaded: read by the pool without waiting for a message. */
  readyFlag: Int32Array;
}

export interface ParseRequest {
  id: number;
  body: Uint8Array;
  contentType: string | null;
  url: string;
}

parentPort!.on('message', async ({ id, body, contentType, url }: ParseRequest) => {
  try {
    parentPort!.postMessage({ id, parsed: await parseAndNormalize(body, contentType, url) });
  } catch (error) {
    const parse = error instanceof ParseError;
    parentPort!.postMessage({
      id,
      error: { parse, message: error instanceof Error ? error.message : String(error), feedLinks: parse ? error.feedLinks : [] },
    });
  }
});

// Modules are loaded: work may come.
Atomics.store((workerData as ParseWorkerData).readyFlag, 0, 1);
parentPort!.postMessage({ id: 0, ready: true });
