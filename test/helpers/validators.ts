// Independent validators for the feeds feedrelay writes, used by test/render-*.test.ts:
//   Atom       RFC 4287 RELAX NG schema, with jing (Debian `jing`), else `xmllint --relaxng`
//   JSON Feed  JSON Feed 1.1 JSON Schema (draft-07) plus the strict overlay, with ajv
//   RSS, Atom  strict XML 1.0 well-formedness with `xmllint --noout` (Debian `libxml2-utils`)
//   RSS, Atom  read back by feedparser (Debian `python3-feedparser`, run by /usr/bin/python3) and
//              checked against the W3C Feed Validator's rules (test/helpers/feed_check.py)
// A tool that is not installed skips the tests that need it, naming it; under CI=true it fails them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
/** Where the reference schemas live: shared/corpus/schemas beside the work tree (CI has a copy). */
export const SCHEMA_DIR = process.env.SCHEMA_DIR ?? resolve(here, '../../../shared/corpus/schemas');
const ATOM_RNG = join(SCHEMA_DIR, 'atom-rfc4287.rng');
const FEED_CHECK = join(here, 'feed_check.py');
/** Debian's python, which sees python3-feedparser (a pyenv python3 on PATH does not). */
const SYSTEM_PYTHON = '/usr/bin/python3';

export const IN_CI = process.env.CI === 'true';

export interface Tool {
  name: string;
  available: boolean;
  /** How to get it, for the skip message. */
  install: string;
}

function succeeds(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

const onPath = (name: string) => succeeds('sh', ['-c', `command -v ${name}`]);

export const tools = {
  xmllint: { name: 'xmllint', available: onPath('xmllint'), install: 'apt-get install -y libxml2-utils' },
  jing: { name: 'jing', available: onPath('jing'), install: 'apt-get install -y jing' },
  feedparser: {
    name: 'python3-feedparser (/usr/bin/python3)',
    available: succeeds(SYSTEM_PYTHON, ['-c', 'import feedparser']),
    install: 'apt-get install -y python3-feedparser',
  },
  schemas: {
    name: `schemas in ${SCHEMA_DIR}`,
    available: succeeds('test', ['-r', ATOM_RNG]),
    install: 'set SCHEMA_DIR to shared/corpus/schemas',
  },
} satisfies Record<string, Tool>;

/**
 * The RELAX NG validator in use: jing when installed (it implements RELAX NG fully), else
 * `xmllint --relaxng` on a developer machine. CI must have jing.
 */
export const relaxNg: Tool = {
  name: IN_CI ? 'jing' : 'jing (or xmllint)',
  available: tools.jing.available || (!IN_CI && tools.xmllint.available),
  install: tools.jing.install,
};

interface SkipContext {
  skip: (note?: string) => never;
}

/**
 * Call first in a test that needs `needed`: outside CI a missing tool skips the test with a
 * message naming it; under CI=true it fails the test (CI must install every tool).
 */
export function requireTools(ctx: SkipContext, ...needed: Tool[]): void {
  const missing = needed.filter((t) => !t.available);
  if (missing.length === 0) return;
  const text = missing.map((t) => `${t.name} (${t.install})`).join(', ');
  if (IN_CI) throw new Error(`CI=true but not installed: ${text}`);
  ctx.skip(`not installed: ${text}`);
}

function withTempFiles<T>(contents: string[], ext: string, fn: (paths: string[]) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'feedrelay-render-'));
  try {
    const paths = contents.map((c, i) => {
      const p = join(dir, `doc-${i}.${ext}`);
      writeFileSync(p, c, 'utf8');
      return p;
    });
    return fn(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Strict XML 1.0 well-formedness (and namespace well-formedness) by libxml2: error lines, [] if fine. */
export function xmlWellFormednessErrors(xml: string): string[] {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  // Namespace errors (an unbound prefix) are reported on stderr with exit status 0.
  const errors = r.stderr.trim();
  return r.status === 0 && errors === '' ? [] : [errors || `xmllint exited ${r.status}`];
}

/**
 * Atom documents against the RFC 4287 RELAX NG schema, in one run of the validator:
 * for each document its error lines ([] when valid).
 */
export function atomSchemaErrors(docs: string[]): string[][] {
  if (docs.length === 0) return [];
  return withTempFiles(docs, 'atom', (paths) => {
    if (tools.jing.available) {
      // jing prints `FILE:LINE:COL: error: MESSAGE` for each problem; exit 1 when any.
      const r = spawnSync('jing', [ATOM_RNG, ...paths], { encoding: 'utf8', timeout: 120_000 });
      if (r.error) throw r.error;
      const lines = `${r.stdout}`.split('\n').filter((l) => l.trim() !== '');
      const result = paths.map((p) => lines.filter((l) => l.startsWith(`${p}:`)));
      const unattributed = lines.filter((l) => !paths.some((p) => l.startsWith(`${p}:`)));
      if (r.status !== 0 && result.every((e) => e.length === 0)) {
        throw new Error(`jing failed without naming a document: ${r.stdout}${r.stderr}`);
      }
      if (unattributed.length > 0) result.forEach((e) => e.push(...unattributed));
      return result;
    }
    return paths.map((p) => {
      const r = spawnSync('xmllint', ['--noout', '--nonet', '--relaxng', ATOM_RNG, p], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw r.error;
      return r.status === 0 ? [] : r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith('fails to validate'));
    });
  });
}

// ajv-formats 3 is CommonJS: depending on the loader the default import is the plugin or the
// module object holding it as `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);
let jsonFeedValidators: { schema: ValidateFunction; strict: ValidateFunction } | null = null;

function loadJsonFeedValidators() {
  if (jsonFeedValidators) return jsonFeedValidators;
  const load = (file: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
  // The schema is draft-07, ajv's default dialect; strict: false because it carries
  // annotations (e.g. `"format": "uri"` next to `enum`) that ajv's strict mode refuses.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(load('jsonfeed-v1.1.schema.json'), 'jsonfeed-v1.1.schema.json');
  jsonFeedValidators = {
    schema: ajv.getSchema('jsonfeed-v1.1.schema.json')!,
    // Version must be 1.1 and the 1.0-only `author` is refused.
    strict: ajv.compile(load('jsonfeed-v1.1-strict.schema.json')),
  };
  return jsonFeedValidators;
}

/** A JSON Feed document against the JSON Feed 1.1 schema and its strict overlay: errors, [] if valid. */
export function jsonFeedErrors(json: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  const { schema, strict } = loadJsonFeedValidators();
  const errors: string[] = [];
  for (const [name, validate] of [['jsonfeed-v1.1', schema], ['jsonfeed-v1.1-strict', strict]] as const) {
    if (!validate(data)) {
      for (const e of validate.errors ?? []) errors.push(`${name}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
  return errors;
}

/** A `\uD800`–`\uDFFF` escape in JSON text that is not half of a surrogate pair. */
export function loneSurrogateEscapes(json: string): string[] {
  return json.match(/\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/g) ?? [];
}

export interface RuleEvent {
  level: 'error' | 'warning';
  /** The W3C Feed Validator's message class (e.g. InvalidRFC2822Date). */
  rule: string;
  where: string;
  message: string;
}

export interface ParsedText {
  value: string | null;
  /** feedparser's content type for the value (it guesses text/plain vs text/html for RSS). */
  type: string | null;
  /** What a reader shows: HTML rendered to text, plain text as it is. */
  text: string | null;
}

export interface ParsedLink {
  rel: string | null;
  href: string | null;
  type: string | null;
  title: string | null;
  length: string | null;
}

export interface ParsedEntry {
  id: string | null;
  title: ParsedText;
  summary: ParsedText;
  content: { type: string | null; value: string | null; text: string | null }[];
  link: string | null;
  links: ParsedLink[];
  tags: string[];
  author: string | null;
  published: string | null;
  published_parsed: number[] | null;
  updated: string | null;
  updated_parsed: number[] | null;
  enclosures: { href: string | null; type: string | null; length: string | null }[];
  source: { title: string | null; href: string | null; id: string | null; links: ParsedLink[] } | null;
}

export interface FeedCheck {
  path: string;
  /** A strict XML parse error (expat), or null. */
  expat: string | null;
  format: 'rss' | 'atom' | null;
  /** W3C Feed Validator rules (best effort): errors and warnings. */
  rules: RuleEvent[];
  feedparser: {
    bozo: boolean;
    bozo_exception: string | null;
    version: string;
    feed: {
      title: ParsedText;
      subtitle: ParsedText;
      link: string | null;
      links: ParsedLink[];
      language: string | null;
      id: string | null;
      updated: string | null;
    };
    entries: ParsedEntry[];
  };
}

/**
 * RSS/Atom documents read by feedparser and checked against the W3C Feed Validator's rules, in
 * one Python run. `self` is the URL the document is served at (its rel="self" must match).
 */
export function checkXmlFeeds(docs: { xml: string; self: string | null }[]): FeedCheck[] {
  if (docs.length === 0) return [];
  return withTempFiles(
    docs.map((d) => d.xml),
    'xml',
    (paths) => {
      const request = JSON.stringify(paths.map((path, i) => ({ path, self: docs[i]!.self })));
      const r = spawnSync(SYSTEM_PYTHON, [FEED_CHECK], { input: request, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`feed_check.py exited ${r.status}: ${r.stderr}`);
      return JSON.parse(r.stdout) as FeedCheck[];
    },
  );
}

export const errorsOf = (check: FeedCheck) => check.rules.filter((e) => e.level === 'error');
export const warningsOf = (check: FeedCheck, ...rules: string[]) =>
  check.rules.filter((e) => e.level === 'warning' && (rules.length === 0 || rules.includes(e.rule)));
