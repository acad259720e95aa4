// Frozen in time: never import application code here, never edit after it has shipped.
// When a category's visible content last changed, set with every bump of its version: a feed's
// Last-Modified. The newest `changed_at` of the listed articles alone missed changes that alter an
// item without rewriting its row (another upstream carrying the story adds a source) and items
// newly listed (a source linked to the category), so a client revalidating by date alone got a 304
// for a feed whose bytes had changed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE categories ADD COLUMN content_changed_at timestamptz NOT NULL DEFAULT now()`.execute(db);
  await sql`
    UPDATE categories c SET content_changed_at = coalesce(
      (SELECT max(a.changed_at) FROM category_articles ca JOIN articles a ON a.id = ca.article_id WHERE ca.category_id = c.id),
      c.updated_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE categories DROP COLUMN IF EXISTS content_changed_at`.execute(db);
}
