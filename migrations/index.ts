import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0003 from './0003_sla.js';
import * as m0004 from './0004_stats.js';
import * as m0005 from './0005_author_lookup.js';
import * as m0006 from './0006_outbox.js';
import * as m0007 from './0007_access.js';
import * as m0008 from './0008_cases.js';
import * as m0009 from './0009_cases_more.js';
import * as m0010 from './0010_case_stats.js';
import * as m0011 from './0011_reply_idempotency.js';
import * as m0012 from './0012_stats_rollups.js';
import * as m0013 from './0013_sla_checks.js';
import * as m0014 from './0014_stats_sketches.js';
import * as m0015 from './0015_waiting_brand_posts.js';

/**
 * Every migration, imported statically so the same list works under tsx, vitest and the compiled
 * build (kysely's FileMigrationProvider cannot import .ts files on plain Node). Add new ones at the
 * end with the next free number; names sort in the order they run.
 *
 * There is no 0002 and there will not be one. Kysely records each applied migration by name and
 * refuses to start when an applied name is missing from this list or a new name sorts before the
 * last applied one, so an applied migration is never renamed or renumbered and gaps are not filled.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0003_sla': m0003,
  '0004_stats': m0004,
  '0005_author_lookup': m0005,
  '0006_outbox': m0006,
  '0007_access': m0007,
  '0008_cases': m0008,
  '0009_cases_more': m0009,
  '0010_case_stats': m0010,
  '0011_reply_idempotency': m0011,
  '0012_stats_rollups': m0012,
  '0013_sla_checks': m0013,
  '0014_stats_sketches': m0014,
  '0015_waiting_brand_posts': m0015,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
