// Node's compressor for rendered feeds: gzip level 6 and brotli quality 4 cost ~2.6 ms and ~1 ms per
// 142 KB render (notes/performance.md) and run once per render, never per request.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Compressed } from '../app.ts';

export function compressRender(body: Uint8Array): Compressed {
  // zlib's Buffers are backed by plain ArrayBuffers.
  return {
    gzip: gzipSync(body, { level: 6 }) as Uint8Array<ArrayBuffer>,
    br: brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 4,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }) as Uint8Array<ArrayBuffer>,
  };
}
