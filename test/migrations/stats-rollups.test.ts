import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import type { StatsReport } from '../../src/domain/stats.js';
import { computeStats, computeStatsFromRows } from '../../src/services/stats.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Migration 0012 backfills the rollups from the cases, posts and responses stored before it: the
 * team's report from the rollups right after it is the exact one over the rows, and changes made
 * after it reach the rollups through the triggers.
 */
const NOW = new Date('2026-11-22T12:34:56Z');
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000);
const q = { window: statsWindow('7d', NOW, 'UTC'), now: NOW };

describe('stats rollups across migration 0012', () => {
  let tdb: TestDatabase;
  let database: Database;
  let before: StatsReport;
  let pendingAfterMigration: number;
  let fromRollupsAfterMigration: StatsReport;
  let fromRowsAfterMigration: StatsReport;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ url: tdb.url, dataDir: tdb.dataDir });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const to11 = await migrator.migrateTo('0011_reply_idempotency');
    if (to11.error) throw to11.error;
    const db = database.db as never as Kysely<any>;
    const rows = [
      // minutes ago posted, minutes to the first reply (none: unanswered), owner, status
      [60 * 30 + 0.5, 12, 'U1', 'resolved'],
      [60 * 20 + 0.25, 45, 'U2', 'replied'],
      [60 * 10 + 7, 90, 'U1', 'replied'],
      [60 * 5 + 0.1, 3.5, 'U2', 'resolved'],
      [60 * 3, undefined, 'U1', 'claimed'],
      [60 * 2, undefined, undefined, 'new'],
      [60 * 40, undefined, undefined, 'closed_no_reply'],
      [60 * 24 * 9, 30, 'U1', 'resolved'],
      [60 * 24 * 6.5, 61, 'U2', 'resolved'],
    ] as const;
    const ids = await db
      .insertInto('mentions')
      .values(
        rows.map(([postedAgo, reply, owner, status], i) => ({
          source: 'x',
          external_id: `m${i}`,
          text: 'where is my order',
          author_handle: `a${i}`,
          priority: 'normal',
          posted_at: at(postedAgo),
          sla_warn_at: at(postedAgo - 45),
          sla_due_at: at(postedAgo - 60),
          status,
          owner_id: owner ?? null,
          first_response_at: reply === undefined ? null : at(postedAgo - reply),
          first_response_by: reply === undefined ? null : owner,
          closed_at: status === 'resolved' || status === 'closed_no_reply' ? at(postedAgo - 100) : null,
        })),
      )
      .returning('id')
      .execute();
    await db
      .insertInto('posts')
      .values(rows.map(([postedAgo], i) => ({ case_id: ids[i]!.id, source: 'x', external_id: `p${i}`, text: 'where is my order', author_handle: `a${i}`, posted_at: at(postedAgo) })))
      .execute();
    // The customer of the second case wrote again and was answered 17 minutes later.
    await db.insertInto('posts').values({ case_id: ids[1]!.id, source: 'x', external_id: 'again', text: 'and?', author_handle: 'a1', posted_at: at(60 * 8) }).execute();
    await db
      .insertInto('case_responses')
      .values({ case_id: ids[1]!.id, kind: 'next', waiting_since: at(60 * 8), due_at: at(60 * 7), responded_at: at(60 * 8 - 17), via: 'earshot', responder_id: 'U2' })
      .execute();
    before = await computeStatsFromRows(database.db, q);
    const latest = await migrator.migrateToLatest();
    if (latest.error) throw latest.error;
    // What the migration left, read before any test changes a row (the tests run in any order).
    pendingAfterMigration = (await sql<{ n: number }>`select count(*)::int as n from stats_rollup_delta`.execute(database.db)).rows[0]!.n;
    fromRollupsAfterMigration = await computeStats(database.db, q);
    fromRowsAfterMigration = await computeStatsFromRows(database.db, q);
  });

  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('backfills the rollups: the report from them is the exact one', async () => {
    expect(pendingAfterMigration).toBe(0);
    expect(before.current).toMatchObject({ received: 8, posts: 9, answered: 5, nextResponses: 1, medianNextResponseSec: 17 * 60 });
    expect(fromRollupsAfterMigration).toEqual(before);
    expect(fromRowsAfterMigration).toEqual(before);
  });

  it('keeps them up to date after it', async () => {
    await database.db
      .updateTable('mentions')
      .set({ status: 'replied', first_response_at: at(60), first_response_by: 'U1' })
      .where('external_id', '=', 'm4')
      .execute();
    const r = await computeStats(database.db, q);
    expect(r.current.answered).toBe(6);
    expect(r).toEqual(await computeStatsFromRows(database.db, q));
  });
});
