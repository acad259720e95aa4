// What the admin resources share: the operations' dependencies, the body limit, JSON bodies.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RouteDeps } from '../../app.ts';
import { BadRequestError } from '../../errors.ts';
import type { OperationDeps } from '../../operations/context.ts';

export const JSON_BODY_LIMIT = 1024 * 1024;
export const OPML_BODY_LIMIT = 5 * 1024 * 1024;

export function operationDeps(deps: RouteDeps): OperationDeps {
  return {
    db: deps.db,
    now: deps.now,
    poller: deps.poller,
    allowPrivateUpstreams: deps.config.allowPrivateUpstreams ?? [],
  };
}

/**
 * 413 past `maxBytes`: decided from Content-Length when one is sent, and by counting as the body
 * streams in otherwise (chunked), so nothing larger is ever buffered.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ error: `request body too large: the limit is ${maxBytes / (1024 * 1024)} MiB` }, 413),
  });
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new BadRequestError('body: a JSON object is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestError(`body: not valid JSON (${(error as Error).message})`);
  }
}
