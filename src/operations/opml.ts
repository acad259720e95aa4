// OPML import and export of upstream sources, for operators moving from or to another reader.
//
// Import: folder outlines become categories (the innermost folder around a feed is its category;
// a folder is matched to an existing category by the slug in its `category="/slug"` attribute,
// then by exact title, then by the slug of its title, and created otherwise). Feed outlines at
// the top level go to the category given (`?category=slug`), or to `imported`, created when
// needed. Every outline's URL is checked without fetching — scheme http/https, no user:password,
// no address literal or localhost name the address guard refuses — and the valid ones are stored
// in one transaction, due at once: the scheduler polls them on its next pass (fetching hundreds
// of feeds inside one request would outlast any client's patience). A malformed document is
// refused whole, before anything is written.
import { checkUpstreamUrl, parseAllowlist } from '../fetcher/address-guard.ts';
import { BadRequestError } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { decodeFeedBytes } from '../parser/decode.ts';
import { OpmlError, readOpml, type OpmlFolder } from '../render/opml-import.ts';
import { renderSourcesOpml, type CategoryFolder, type SourceOutline } from '../render/opml-export.ts';
import {
  categoriesBySlugs,
  findSourcesByUrls,
  insertApiCategory,
  insertApiSource,
  listExportableSources,
  restoreSource,
  updateSourceRow,
} from '../store/admin.ts';
import { linkSources, listCategories } from '../store/catalog.ts';
import type { Category } from '../store/schema.ts';
import { SLUG } from '../sources/category-file.ts';
import { RefusedError } from '../errors.ts';
import type { OperationDeps } from './context.ts';

export const DEFAULT_IMPORT_CATEGORY = { slug: 'imported', title: 'Imported' };

export type OutlineResult = 'added' | 'restored' | 'existing' | 'refused';

export interface OutlineReport {
  line: number;
  title: string | null;
  url: string;
  category: string;
  result: OutlineResult;
  /** Why an outline was refused. */
  reason: string | null;
  source_id: number | null;
}

export interface ImportReport {
  title: string | null;
  added: number;
  restored: number;
  existing: number;
  refused: number;
  categories_created: string[];
  outlines: OutlineReport[];
}

export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  // A title with no Latin letters or digits (科技日报新闻) still needs a stable slug.
  if (slug === '') return `c-${sha256(title).slice(0, 8)}`;
  return slug === 'all' ? 'all-imported' : slug;
}

function folderSlug(folder: OpmlFolder, byTitle: Map<string, Category>): string {
  const hinted = folder.category
    ?.split(',')
    .map((c) => c.trim().replace(/^\/+/, ''))
    .find((c) => SLUG.test(c) && c !== 'all');
  if (hinted) return hinted;
  return byTitle.get(folder.title)?.slug ?? slugify(folder.title);
}

interface PlannedOutline {
  line: number;
  title: string | null;
  url: string;
  slug: string;
  /** Title for the category if it has to be created. */
  categoryTitle: string;
  refusal: string | null;
}

function checkImportUrl(text: string, allow: ReturnType<typeof parseAllowlist>): { url: string; refusal: string | null } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { url: text, refusal: 'not an absolute URL' };
  }
  url.hash = '';
  const refusal = checkUpstreamUrl(url, allow);
  return { url: url.href, refusal: refusal ? refusal.message : null };
}

export interface ImportOptions {
  /** Where top-level feed outlines go (default `imported`). */
  category?: string;
  /** The upload's Content-Type, whose charset is one hint for decoding. */
  contentType?: string | null;
}

export async function importOpml(deps: OperationDeps, body: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
  if (body.byteLength === 0) throw new BadRequestError('body: an OPML document is required');
  // Exports in legacy encodings exist; bytes are decoded by the same rules as feeds.
  const { text } = decodeFeedBytes(body, options.contentType ?? null);
  let doc;
  try {
    doc = readOpml(text);
  } catch (error) {
    if (error instanceof OpmlError) throw new BadRequestError(error.message);
    throw error;
  }
  if (options.category !== undefined) {
    const [given] = await categoriesBySlugs(deps.db, [options.category]);
    if (!given) throw new RefusedError(`category: no category "${options.category}" (create it first)`);
  }
  const allow = parseAllowlist(deps.allowPrivateUpstreams);
  const existingCategories = await listCategories(deps.db);
  const byTitle = new Map(existingCategories.map((c) => [c.title, c]));

  const planned: PlannedOutline[] = doc.feeds.map((feed) => {
    const folder = feed.folders[feed.folders.length - 1];
    const slug = folder ? folderSlug(folder, byTitle) : (options.category ?? DEFAULT_IMPORT_CATEGORY.slug);
    const categoryTitle = folder ? folder.title : DEFAULT_IMPORT_CATEGORY.title;
    const { url, refusal } = checkImportUrl(feed.xmlUrl, allow);
    return { line: feed.line, title: feed.title, url, slug, categoryTitle, refusal };
  });

  return deps.db.transaction().execute(async (tx) => {
    const report: ImportReport = { title: doc.title, added: 0, restored: 0, existing: 0, refused: 0, categories_created: [], outlines: [] };
    const categoryIds = new Map<string, number>();
    for (const p of planned) {
      if (p.refusal !== null || categoryIds.has(p.slug)) continue;
      const created = await insertApiCategory(tx, { slug: p.slug, title: p.categoryTitle, description: '', language: null });
      if (created) {
        report.categories_created.push(p.slug);
        categoryIds.set(p.slug, created.id);
      } else {
        const [found] = await categoriesBySlugs(tx, [p.slug]);
        categoryIds.set(p.slug, found!.id);
      }
    }

    for (const p of planned) {
      const entry: OutlineReport = { line: p.line, title: p.title, url: p.url, category: p.slug, result: 'refused', reason: p.refusal, source_id: null };
      report.outlines.push(entry);
      if (p.refusal !== null) {
        report.refused++;
        continue;
      }
      const [found] = await findSourcesByUrls(tx, [p.url]);
      let sourceId: number;
      if (found && found.deleted_at === null) {
        entry.result = 'existing';
        sourceId = found.id;
        await updateSourceRow(tx, sourceId, { addedByApi: true });
      } else if (found) {
        entry.result = 'restored';
        sourceId = (await restoreSource(tx, found.id, { title: p.title, intervalSeconds: null })).id;
      } else {
        const row = await insertApiSource(tx, { url: p.url, title: p.title, intervalSeconds: null });
        if (!row) throw new Error(`opml: ${p.url} could not be stored`);
        entry.result = 'added';
        sourceId = row.id;
      }
      entry.source_id = sourceId;
      report[entry.result]++;
      await linkSources(tx, categoryIds.get(p.slug)!, [sourceId], 'api');
    }
    return report;
  });
}

export async function exportOpml(deps: OperationDeps): Promise<string> {
  const rows = await listExportableSources(deps.db);
  const folders = new Map<string, CategoryFolder>();
  const uncategorized: SourceOutline[] = [];
  for (const { source, links } of rows) {
    const outline = { title: source.title ?? source.feed_title ?? source.url, xmlUrl: source.url, htmlUrl: source.site_url };
    if (links.length === 0) uncategorized.push(outline);
    for (const link of links) {
      const folder = folders.get(link.slug) ?? { slug: link.slug, title: link.title, sources: [] };
      folder.sources.push(outline);
      folders.set(link.slug, folder);
    }
  }
  const sorted = [...folders.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  return renderSourcesOpml('feedrelay sources', sorted, uncategorized, deps.now());
}
