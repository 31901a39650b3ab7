import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrationProvider } from '../../migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The move of the SLA bookkeeping off the mention row: what the sweep had recorded and scheduled
 * comes along, and a case with nothing recorded gets no row (the same as stage 0, nothing due).
 */
describe('migration 0013_sla_checks on existing data', () => {
  let tdb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ url: tdb.url, dataDir: tdb.dataDir });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const before = await migrator.migrateTo('0012_stats_rollups');
    if (before.error) throw before.error;
    const db = database.db as never as Kysely<any>;
    const base = { text: 'my order never came', priority: 'normal', sla_warn_at: '2026-11-20T10:45:00Z', sla_due_at: '2026-11-20T11:00:00Z', posted_at: '2026-11-20T10:00:00Z' };
    await db
      .insertInto('mentions')
      .values([
        // Warned, overdue next.
        { ...base, id: 1, source: 'x', external_id: '1', author_handle: 'a', status: 'new', sla_stage: 1, sla_next_check_at: '2026-11-20T11:00:00.001Z' },
        // Escalated, one follow-up sent, the next one scheduled.
        { ...base, id: 2, source: 'x', external_id: '2', author_handle: 'b', status: 'escalated', sla_stage: 6, sla_follow_ups: 1, sla_follow_up_at: '2026-11-20T14:10:00Z', sla_next_check_at: '2026-11-20T18:10:00Z' },
        // Closed long ago: nothing recorded.
        { ...base, id: 3, source: 'x', external_id: '3', author_handle: 'c', status: 'resolved', closed_at: '2026-11-20T12:00:00Z', close_kind: 'resolved' },
      ])
      .execute();
    const after = await migrator.migrateToLatest();
    if (after.error) throw after.error;
  });

  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('copies every recorded stage, follow-up and next check, and only those', async () => {
    const rows = await database.db.selectFrom('sla_checks').selectAll().orderBy('mention_id').execute();
    expect(rows).toEqual([
      { mention_id: 1, stage: 1, follow_ups: 0, follow_up_at: null, next_check_at: new Date('2026-11-20T11:00:00.001Z') },
      { mention_id: 2, stage: 6, follow_ups: 1, follow_up_at: new Date('2026-11-20T14:10:00Z'), next_check_at: new Date('2026-11-20T18:10:00Z') },
    ]);
  });

  it('leaves the mention rows without the old columns', async () => {
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    expect(Object.keys(row)).not.toContain('sla_next_check_at');
    expect(Object.keys(row)).not.toContain('sla_stage');
  });
});
