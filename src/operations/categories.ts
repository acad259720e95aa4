// Category operations shared by the admin API and the CLI. Categories defined by feeds/ files
// belong to the files: the API reads them and links sources to them, but does not edit or delete
// them (the next start would undo it).
import { NotFoundError } from '../errors.ts';
import {
  deleteCategoryRow,
  insertApiCategory,
  listCategoriesWithCounts,
  updateCategoryRow,
} from '../store/admin.ts';
import { getCategoryBySlug } from '../store/catalog.ts';
import type { Category } from '../store/schema.ts';
import { RefusedError } from '../errors.ts';
import type { OperationDeps } from './context.ts';
import type { CreateCategoryInput, UpdateCategoryInput } from './input.ts';
import { categoryView, type CategoryView } from './views.ts';

export async function listCategoryViews(deps: OperationDeps): Promise<CategoryView[]> {
  return (await listCategoriesWithCounts(deps.db)).map(categoryView);
}

export async function getCategoryView(deps: OperationDeps, slug: string): Promise<CategoryView> {
  const [row] = await listCategoriesWithCounts(deps.db, slug);
  if (!row) throw new NotFoundError(`no category with slug "${slug}"`);
  return categoryView(row);
}

export interface CreateCategoryResult {
  /** false: the slug was taken; `category` is the existing one (HTTP 409). */
  created: boolean;
  category: CategoryView;
}

export async function createCategory(deps: OperationDeps, input: CreateCategoryInput): Promise<CreateCategoryResult> {
  const row = await insertApiCategory(deps.db, {
    slug: input.slug,
    title: input.title,
    description: input.description ?? '',
    language: input.language ?? null,
  });
  return { created: row !== undefined, category: await getCategoryView(deps, input.slug) };
}

async function apiCategory(deps: OperationDeps, slug: string, verb: string): Promise<Category> {
  const category = await getCategoryBySlug(deps.db, slug);
  if (!category) throw new NotFoundError(`no category with slug "${slug}"`);
  if (category.origin === 'file') {
    throw new RefusedError(`category "${slug}" is defined by feeds/${slug}.yaml; ${verb} it there (changes made here would be undone at the next start)`);
  }
  return category;
}

export async function updateCategory(deps: OperationDeps, slug: string, input: UpdateCategoryInput): Promise<CategoryView> {
  const category = await apiCategory(deps, slug, 'edit');
  await updateCategoryRow(deps.db, category.id, {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
  });
  return getCategoryView(deps, slug);
}

/**
 * Deletes a category made through the API. Its sources stay (they may feed other categories);
 * its articles stay in the other categories that list them.
 */
export async function deleteCategory(deps: OperationDeps, slug: string): Promise<CategoryView> {
  const category = await apiCategory(deps, slug, 'delete');
  const view = await getCategoryView(deps, slug);
  await deleteCategoryRow(deps.db, category.id);
  return view;
}

