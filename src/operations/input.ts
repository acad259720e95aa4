// Schemas for what operators send, shared by the admin API and the CLI. A failure is a 400 that
// names the field: `categories[0]: must be a category slug ([a-z0-9-]+)`.
import { z } from 'zod';
import { parseDuration } from '../config.ts';
import { BadRequestError } from '../errors.ts';
import { hasForbiddenChars } from '../parser/text.ts';
import { SLUG } from '../sources/category-file.ts';

const MIN_INTERVAL_SECONDS = 60;
const MAX_INTERVAL_SECONDS = 7 * 86_400;

const slug = z
  .string()
  .regex(SLUG, 'must be a category slug ([a-z0-9-]+)')
  .max(100, 'must be at most 100 characters');

const interval = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const seconds = parseDuration(String(v));
  if (seconds === null) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 30m, 2h)` });
    return z.NEVER;
  }
  if (seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) {
    ctx.addIssue({ code: 'custom', message: `must be between ${MIN_INTERVAL_SECONDS}s and 7d` });
    return z.NEVER;
  }
  return Math.round(seconds);
});

// What XML 1.0 forbids (and Postgres text refuses, for U+0000): text an operator sends ends up in
// every feed and page, so it is refused here, naming the field, rather than failing in the store.
const MUST_BE_TEXT = 'must not contain control characters (other than tab and line breaks) or unpaired surrogates';

/** A string field operators type: no control characters, no lone surrogates. */
function text() {
  return z.string().refine((v) => !hasForbiddenChars(v), MUST_BE_TEXT);
}

const title = text().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters');

export const addSourceSchema = z.strictObject({
  url: text().trim().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'),
  categories: z.array(slug).min(1, 'must name at least one category').max(100),
  title: title.optional(),
  interval: interval.optional(),
});
export type AddSourceInput = z.infer<typeof addSourceSchema>;

export const updateSourceSchema = z
  .strictObject({
    status: z.enum(['paused', 'ok'], { message: 'must be "paused" or "ok"' }).optional(),
    /** null goes back to the default interval (POLL_INTERVAL, or adaptive under POLL_SCHEDULER=entry-frequency). */
    interval: interval.nullable().optional(),
    /** The full set the source should be in. */
    categories: z.array(slug).max(100).optional(),
    /** null goes back to the upstream's own title. */
    title: title.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'name at least one of status, interval, categories, title' });
export type UpdateSourceInput = z.infer<typeof updateSourceSchema>;

const language = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as zh-CN');

export const createCategorySchema = z.strictObject({
  slug: slug.refine((s) => s !== 'all', '"all" is reserved'),
  title: text().trim().min(1, 'must not be empty').max(200),
  description: text().max(2000).optional(),
  language: language.nullable().optional(),
});
export type CreateCategoryInput = z.infer<typeof createCategorySchema>;

export const updateCategorySchema = z
  .strictObject({
    title: text().trim().min(1, 'must not be empty').max(200).optional(),
    description: text().max(2000).optional(),
    language: language.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'name at least one of title, description, language' });
export type UpdateCategoryInput = z.infer<typeof updateCategorySchema>;

function fieldName(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let v = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Parses `data` or throws a 400 naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, data: unknown): z.output<T> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new BadRequestError('body: must be a JSON object');
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new BadRequestError(`${fieldName([...issue.path, issue.keys[0]!])}: unknown field`);
  }
  const field = issue.path.length > 0 ? fieldName(issue.path) : 'body';
  const missing = issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined;
  let message = missing ? 'is required' : issue.message;
  if (!missing && issue.code === 'invalid_type') message = `must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`;
  throw new BadRequestError(`${field}: ${message}`);
}
