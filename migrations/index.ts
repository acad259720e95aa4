// A static list of migrations, so the Workers bundle (no filesystem) and Node share one source.
// Append new migrations here in order; names sort lexically, which is the order Kysely applies.
import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};
