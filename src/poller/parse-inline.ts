// parseAndNormalize, loaded at its first call rather than with the module that may call it. The
// parsing code (rss-parser, sanitize-html, iconv-lite, htmlparser2: ~1.4 MB bundled, 60–80 ms to
// load on an idle core) is then not loaded by a thread that hands its parsing to the parse pool's
// threads — the main thread of `npm run poll` (docs/performance.md).
import type { ParseFeedBody } from './parse.ts';

export const parseInline: ParseFeedBody = async (body, contentType, url) =>
  (await import('./parse.ts')).parseAndNormalize(body, contentType, url);
