// feeds/*.yaml → validated category definitions. Pure: callers hand in file names and texts, so
// Node reads them from disk and the Worker from its bundle.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../config.ts';

export interface SourceDefinition {
  url: string;
  title: string | null;
  intervalSeconds: number | null;
}

export interface CategoryDefinition {
  slug: string;
  title: string;
  description: string;
  language: string | null;
  sources: SourceDefinition[];
  file: string;
}

export class CategoryFileError extends Error {
  override name = 'CategoryFileError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

export const SLUG = /^[a-z0-9-]+$/;
const MIN_INTERVAL_SECONDS = 60;

export function parseHttpUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

const sourceSchema = z.strictObject({
  url: z.string().refine((u) => parseHttpUrl(u) !== null, 'must be an absolute http:// or https:// URL'),
  title: z.string().trim().min(1, 'must not be empty').optional(),
  interval: z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const seconds = parseDuration(String(v));
      if (seconds === null) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 30m, 2h)` });
        return z.NEVER;
      }
      if (seconds < MIN_INTERVAL_SECONDS) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${MIN_INTERVAL_SECONDS}s` });
        return z.NEVER;
      }
      return seconds;
    })
    .optional(),
});

const categorySchema = z.strictObject({
  slug: z.string().regex(SLUG, 'must match [a-z0-9-]+').refine((s) => s !== 'all', '"all" is reserved'),
  title: z.string().trim().min(1, 'must not be empty'),
  description: z.string().optional(),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as zh-CN')
    .optional(),
  sources: z.array(sourceSchema).default([]),
});

function lineOf(doc: Document, counter: LineCounter, path: PropertyKey[]): number | null {
  // Walk down as far as the path exists, so a missing key points at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node && typeof node === 'object' && node.range) {
      // For an unknown key, point at the key itself.
      return counter.linePos(node.range[0]).line;
    }
  }
  return null;
}

function keyLine(doc: Document, counter: LineCounter, parent: PropertyKey[], key: string): number | null {
  const node = parent.length === 0 ? doc.contents : doc.getIn(parent as (string | number)[], true);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
        return counter.linePos(pair.key.range[0]).line;
      }
    }
  }
  return lineOf(doc, counter, parent);
}

function fieldName(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** Parses one category file. `file` is the name used in messages (e.g. `feeds/kejiribao.yaml`). */
export function parseCategoryFile(file: string, text: string): CategoryDefinition {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = counter.linePos(syntaxError.pos[0]).line;
    throw new CategoryFileError(file, line, null, `invalid YAML: ${syntaxError.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CategoryFileError(file, 1, null, 'must be a mapping with slug, title and sources');
  }
  const parsed = categorySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new CategoryFileError(
        file,
        keyLine(doc, counter, issue.path, key),
        fieldName([...issue.path, key]),
        'unknown field',
      );
    }
    const missing = issue.code === 'invalid_type' && doc.getIn(issue.path as (string | number)[]) === undefined;
    const message = missing ? 'is required' : issue.message;
    throw new CategoryFileError(file, lineOf(doc, counter, issue.path), fieldName(issue.path), message);
  }
  const category = parsed.data;
  const expectedSlug = file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  if (category.slug !== expectedSlug) {
    throw new CategoryFileError(
      file,
      lineOf(doc, counter, ['slug']),
      'slug',
      `"${category.slug}" must equal the file name "${expectedSlug}"`,
    );
  }
  const seen = new Set<string>();
  const sources = category.sources.map((s, i) => {
    const url = parseHttpUrl(s.url)!.href;
    if (seen.has(url)) {
      throw new CategoryFileError(file, lineOf(doc, counter, ['sources', i, 'url']), `sources[${i}].url`, 'listed twice');
    }
    seen.add(url);
    return { url, title: s.title ?? null, intervalSeconds: s.interval ?? null };
  });
  return {
    slug: category.slug,
    title: category.title,
    description: category.description ?? '',
    language: category.language ?? null,
    sources,
    file,
  };
}

/** The line of a file's top-level `slug:` key (the file parsed, so it has one). */
function slugLine(text: string): number {
  const at = /^slug[ \t]*:/m.exec(text)?.index ?? 0;
  return text.slice(0, at).split('\n').length;
}

/** Parses every category file; slugs are unique because they equal file names. */
export function parseCategoryFiles(files: { name: string; text: string }[]): CategoryDefinition[] {
  const bySlug = new Map<string, CategoryDefinition>();
  for (const { name, text } of files) {
    const category = parseCategoryFile(name, text);
    const other = bySlug.get(category.slug);
    if (other) {
      throw new CategoryFileError(name, slugLine(text), 'slug', `"${category.slug}" is also defined by ${other.file}`);
    }
    bySlug.set(category.slug, category);
  }
  return [...bySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}
