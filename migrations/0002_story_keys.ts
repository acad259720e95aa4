// Frozen in time: never import application code here, never edit after it has shipped.
// A second cross-source key: the same headline within days, with compatible leading text, is one
// story even when republishers cut its text differently (so the title+lead fingerprint differs).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE articles ADD COLUMN title_key text`.execute(db);
  await sql`ALTER TABLE articles ADD COLUMN lead_text text`.execute(db);
  await sql`CREATE INDEX articles_title_key_idx ON articles (title_key, published_at) WHERE title_key IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS articles_title_key_idx`.execute(db);
  await sql`ALTER TABLE articles DROP COLUMN IF EXISTS lead_text`.execute(db);
  await sql`ALTER TABLE articles DROP COLUMN IF EXISTS title_key`.execute(db);
}
