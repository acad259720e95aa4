// /admin/categories — list, create, edit and delete categories. Those defined by feeds/ files are
// listed and can be linked to, but are edited in their files.
import { Hono } from 'hono';
import type { RouteDeps } from '../../app.ts';
import {
  createCategory,
  deleteCategory,
  getCategoryView,
  listCategoryViews,
  updateCategory,
} from '../../operations/categories.ts';
import { createCategorySchema, parseInput, updateCategorySchema } from '../../operations/input.ts';
import { JSON_BODY_LIMIT, limitBody, operationDeps, readJson } from './common.ts';

export function adminCategoryRoutes(deps: RouteDeps) {
  const ops = operationDeps(deps);
  const app = new Hono();
  app.use('*', limitBody(JSON_BODY_LIMIT));

  app.get('/', async (c) => c.json({ categories: await listCategoryViews(ops) }));

  app.post('/', async (c) => {
    const input = parseInput(createCategorySchema, await readJson(c));
    const result = await createCategory(ops, input);
    if (!result.created) {
      return c.json({ error: `a category with slug "${input.slug}" already exists`, category: result.category }, 409);
    }
    return c.json({ category: result.category }, 201);
  });

  app.get('/:slug', async (c) => c.json({ category: await getCategoryView(ops, c.req.param('slug')) }));

  app.patch('/:slug', async (c) => {
    const input = parseInput(updateCategorySchema, await readJson(c));
    return c.json({ category: await updateCategory(ops, c.req.param('slug'), input) });
  });

  app.delete('/:slug', async (c) => c.json({ category: await deleteCategory(ops, c.req.param('slug')) }));
  return app;
}
