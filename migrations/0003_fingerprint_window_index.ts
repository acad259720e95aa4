// Frozen in time: never import application code here, never edit after it has shipped.
// Dedup looks a fingerprint up within a window of publication dates (store/articles.ts
// storyIndex), as it does a headline key. With the date in the index, as articles_title_key_idx
// has it, the lookup is a range scan whatever the planner's statistics say; on (fingerprint)
// alone, a table that grew faster than autoanalyze ran (a first poll of many feeds) was read
// whole on every ingest, the planner expecting a quarter of it to match an array of 50 keys.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX articles_fingerprint_published_idx ON articles (fingerprint, published_at) WHERE fingerprint IS NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS articles_fingerprint_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS articles_fingerprint_idx ON articles (fingerprint) WHERE fingerprint IS NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS articles_fingerprint_published_idx`.execute(db);
}
