// A static list of migrations, so the Workers bundle (no filesystem) and Node share one source.
// Append new migrations here in order; names sort lexically, which is the order Kysely applies.
import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_story_keys.ts';
import * as m0003 from './0003_fingerprint_window_index.ts';
import * as m0004 from './0004_category_content_changed_at.ts';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_story_keys': m0002,
  '0003_fingerprint_window_index': m0003,
  '0004_category_content_changed_at': m0004,
};
