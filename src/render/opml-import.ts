// Reads an OPML document (1.0 or 2.0, http://opml.org/spec2.opml) as operators export them from
// feed readers: feed outlines (those with xmlUrl) and the folder outlines around them. Strict
// enough that a truncated or mangled file is refused as a whole (so an import never half-happens
// from a broken file); external entities are never expanded and no URL is fetched here.
import { Parser } from 'htmlparser2';

export interface OpmlFolder {
  /** text (or title) of the folder outline. */
  title: string;
  /** The folder's OPML `category` attribute (`/slug`), which our own export writes. */
  category: string | null;
}

export interface OpmlFeed {
  xmlUrl: string;
  title: string | null;
  htmlUrl: string | null;
  /** Enclosing folder outlines, outermost first; empty for a top-level feed. */
  folders: OpmlFolder[];
  /** 1-based line of the outline in the document. */
  line: number;
}

export interface OpmlDocument {
  title: string | null;
  feeds: OpmlFeed[];
}

export class OpmlError extends Error {
  override name = 'OpmlError';
}

export const MAX_OUTLINES = 20_000;
const MAX_DEPTH = 64;

/**
 * htmlparser2 forgives what XML does not: a close tag that matches nothing is dropped, and one that
 * matches an outer element closes the inner ones silently. Counting the close events each close
 * tag causes (exactly one when well-formed) notices both.
 */
class StrictParser extends Parser {
  closes = 0;
  badCloseAt: { index: number; stray: boolean } | null = null;
  override onclosetag(start: number, endIndex: number): void {
    const before = this.closes;
    super.onclosetag(start, endIndex);
    const emitted = this.closes - before;
    if (emitted !== 1 && this.badCloseAt === null) this.badCloseAt = { index: start, stray: emitted === 0 };
  }
}

function attr(attribs: Record<string, string>, name: string): string | null {
  // OPML attribute names are case-sensitive in theory; exporters disagree in practice (xmlurl, XMLURL).
  for (const [key, value] of Object.entries(attribs)) {
    if (key.toLowerCase() === name.toLowerCase()) {
      const v = value.trim();
      return v === '' ? null : v;
    }
  }
  return null;
}

export function readOpml(text: string): OpmlDocument {
  const lineStarts: number[] = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (index: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };

  const stack: string[] = [];
  /** For each open outline: the folder it opens, or null for a feed / empty outline. */
  const outlineFolders: (OpmlFolder | null)[] = [];
  const feeds: OpmlFeed[] = [];
  let sawRoot = false;
  let sawBody = false;
  let inTitle = false;
  let title = '';
  let outlines = 0;
  let error: string | null = null;
  let ending = false;
  const fail = (message: string) => {
    error ??= message;
  };

  const parser: StrictParser = new StrictParser(
    {
      onopentag(name, attribs) {
        if (error) return;
        const at = lineOf(parser.startIndex);
        if (stack.length === 0) {
          if (sawRoot) return fail(`line ${at}: a second root element <${name}>`);
          if (name.toLowerCase() !== 'opml') return fail(`line ${at}: the root element is <${name}>, not <opml>`);
          sawRoot = true;
        }
        if (stack.length >= MAX_DEPTH) return fail(`line ${at}: outlines nested more than ${MAX_DEPTH} deep`);
        const parent = stack[stack.length - 1];
        stack.push(name);
        const lower = name.toLowerCase();
        if (lower === 'body' && parent?.toLowerCase() === 'opml') sawBody = true;
        if (lower === 'title' && parent?.toLowerCase() === 'head') inTitle = true;
        if (lower !== 'outline') return;
        if (++outlines > MAX_OUTLINES) return fail(`more than ${MAX_OUTLINES} outlines`);
        const xmlUrl = attr(attribs, 'xmlUrl');
        const label = attr(attribs, 'title') ?? attr(attribs, 'text');
        if (xmlUrl) {
          feeds.push({
            xmlUrl,
            title: label,
            htmlUrl: attr(attribs, 'htmlUrl'),
            folders: outlineFolders.filter((f): f is OpmlFolder => f !== null),
            line: at,
          });
          outlineFolders.push(null);
        } else {
          outlineFolders.push(label ? { title: label, category: attr(attribs, 'category') } : null);
        }
      },
      onclosetag(name) {
        parser.closes++;
        // Elements still open when the text runs out: closed by end(), never by the document.
        if (ending) fail(`<${name}> is never closed (the document is truncated)`);
        stack.pop();
        if (name.toLowerCase() === 'outline') outlineFolders.pop();
        if (name.toLowerCase() === 'title') inTitle = false;
      },
      ontext(data) {
        if (inTitle) title += data;
        else if (stack.length === 0 && data.trim() !== '') {
          fail(sawRoot ? `line ${lineOf(parser.startIndex)}: text after the <opml> element` : 'not an OPML document (no <opml> element)');
        }
      },
      onprocessinginstruction(name) {
        if (name.toLowerCase().startsWith('!doctype') || name.toLowerCase().startsWith('!entity')) {
          // A DTD could declare entities; OPML has no use for one, and refusing it is simplest.
          fail(`line ${lineOf(parser.startIndex)}: a document type declaration is not allowed in OPML`);
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  ending = true;
  parser.end();
  if (parser.badCloseAt !== null) {
    const { index, stray } = parser.badCloseAt;
    fail(`line ${lineOf(index)}: ${stray ? 'a closing tag that matches no open element' : 'a closing tag that closes an element opened inside it'}`);
  }
  if (error) throw new OpmlError(`opml: ${error}`);
  if (!sawRoot) throw new OpmlError('opml: not an OPML document (no <opml> element)');
  if (!sawBody) throw new OpmlError('opml: the document has no <body>');
  const t = title.replace(/\s+/g, ' ').trim();
  return { title: t === '' ? null : t, feeds };
}
