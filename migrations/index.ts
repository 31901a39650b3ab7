import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0003 from './0003_sla.js';
import * as m0004 from './0004_stats.js';
import * as m0005 from './0005_author_lookup.js';
import * as m0007 from './0007_access.js';

/**
 * Every migration, imported statically so the same list works under tsx, vitest and the compiled
 * build (kysely's FileMigrationProvider cannot import .ts files on plain Node). Add new ones at the
 * end; names sort in the order they run.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0003_sla': m0003,
  '0004_stats': m0004,
  '0005_author_lookup': m0005,
  '0007_access': m0007,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
