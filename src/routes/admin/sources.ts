// /admin/sources — upstream sources with their health; add (checked, discovered), change, remove,
// poll now, fetch log.
import { Hono } from 'hono';
import type { RouteDeps } from '../../app.ts';
import { BadRequestError, NotFoundError } from '../../errors.ts';
import { addSourceSchema, parseInput, updateSourceSchema } from '../../operations/input.ts';
import {
  addSource,
  getSource,
  listFetches,
  listSources,
  MAX_FETCH_LOG,
  parseSourceId,
  pollSourceNow,
  removeSource,
  updateSource,
} from '../../operations/sources.ts';
import type { SourceStatus } from '../../store/schema.ts';
import { JSON_BODY_LIMIT, limitBody, operationDeps, readJson } from './common.ts';

const STATUSES: SourceStatus[] = ['ok', 'erroring', 'paused', 'gone'];

/**
 * The id in an /admin/sources/{id} path. Anything that is not an id names no source: 404, as SPEC
 * says for an unknown id in the path (the command line, where the id is an argument, says 400).
 */
function sourceIdInPath(text: string): number {
  try {
    return parseSourceId(text);
  } catch {
    throw new NotFoundError(`no source with id ${JSON.stringify(text)}`);
  }
}

export function adminSourceRoutes(deps: RouteDeps) {
  const ops = operationDeps(deps);
  const app = new Hono();
  app.use('*', limitBody(JSON_BODY_LIMIT));

  app.get('/', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !STATUSES.includes(status as SourceStatus)) {
      throw new BadRequestError(`status: must be one of ${STATUSES.join(', ')}`);
    }
    const category = c.req.query('category');
    const sources = await listSources(ops, {
      ...(status !== undefined ? { status: status as SourceStatus } : {}),
      ...(category !== undefined ? { category } : {}),
    });
    return c.json({ sources });
  });

  app.post('/', async (c) => {
    const input = parseInput(addSourceSchema, await readJson(c));
    const result = await addSource(ops, input);
    if (!result.created) {
      return c.json(
        {
          error: `already a source: ${result.source.url} (id ${result.source.id}); the categories given were added to it`,
          source: result.source,
          discovery: result.discovery,
        },
        409,
      );
    }
    return c.json({ source: result.source, restored: result.restored, discovery: result.discovery, poll: result.poll }, 201);
  });

  app.get('/:id', async (c) => c.json({ source: await getSource(ops, sourceIdInPath(c.req.param('id'))) }));

  app.patch('/:id', async (c) => {
    const id = sourceIdInPath(c.req.param('id'));
    const input = parseInput(updateSourceSchema, await readJson(c));
    return c.json({ source: await updateSource(ops, id, input) });
  });

  app.delete('/:id', async (c) => c.json({ source: await removeSource(ops, sourceIdInPath(c.req.param('id'))) }));

  app.post('/:id/poll', async (c) => c.json(await pollSourceNow(ops, sourceIdInPath(c.req.param('id')))));

  app.get('/:id/fetches', async (c) => {
    const id = sourceIdInPath(c.req.param('id'));
    const limitText = c.req.query('limit');
    if (limitText !== undefined && (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_FETCH_LOG)) {
      throw new BadRequestError(`limit: must be a whole number from 1 to ${MAX_FETCH_LOG}`);
    }
    return c.json({ fetches: await listFetches(ops, id, limitText !== undefined ? Number(limitText) : MAX_FETCH_LOG) });
  });
  return app;
}
