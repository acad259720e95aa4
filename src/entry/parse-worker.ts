// A parse-pool worker thread (entry/parse-pool.ts): runs parseAndNormalize for the main thread.
import { parentPort } from 'node:worker_threads';
import { parseAndNormalize } from '../poller/parse.ts';
import { ParseError } from '../parser/index.ts';

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
parentPort!.postMessage({ id: 0, ready: true });
