// Reads FEEDS_DIR for the category parser (Node only; the Worker gets the files from its bundle).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CategoryFileError, parseCategoryFiles, type CategoryDefinition } from '../sources/category-file.ts';

export async function loadFeedsDir(dir: string): Promise<CategoryDefinition[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    throw new CategoryFileError(dir, null, 'FEEDS_DIR', `cannot read the directory: ${(error as Error).message}`);
  }
  const files = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      return { name: relative(process.cwd(), path) || path, text: await readFile(path, 'utf8') };
    }),
  );
  return parseCategoryFiles(files);
}
