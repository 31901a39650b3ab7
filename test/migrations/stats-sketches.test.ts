import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { compactStatsRollup } from '../../src/db/stats-rollup.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import type { StatsReport } from '../../src/domain/stats.js';
import { computeStats, computeStatsFromRows } from '../../src/services/stats.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Migration 0014 moves the response-time histograms of the rollups from one row per bucket into
 * packed rows (stats_hist) and adds the all-time count of waiting cases: a database that holds
 * compacted keys and pending deltas from before it gives the same report after it, every later
 * change still reaches the rollups, and `down` gives 0012's shape back.
 */
const NOW = new Date('2026-11-22T12:34:56Z');
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000);
const q = { window: statsWindow('7d', NOW, 'UTC'), now: NOW };

describe('stats rollups across migration 0014 (packed histograms, all-time open count)', () => {
  let tdb: TestDatabase;
  let database: Database;
  let migrator: Migrator;
  let exactBefore: StatsReport;
  let after: { report: StatsReport; histogramKeys: number; packed: number; pending: number; waiting: number };

  const count = async (query: string) => (await sql<{ n: number }>`${sql.raw(query)}`.execute(database.db)).rows[0]!.n;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ url: tdb.url, dataDir: tdb.dataDir });
    migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const to13 = await migrator.migrateTo('0013_sla_checks');
    if (to13.error) throw to13.error;
    const db = database.db as never as Kysely<any>;
    const rows = [
      // minutes ago posted, minutes to the first reply (none: unanswered), owner, status
      [60 * 30 + 0.5, 12, 'U1', 'resolved'],
      [60 * 20 + 0.25, 45, 'U2', 'replied'],
      [60 * 10 + 7, 90, 'U1', 'replied'],
      [60 * 5 + 0.1, 3.5, 'U2', 'resolved'],
      [60 * 3, undefined, 'U1', 'claimed'],
      [60 * 2, undefined, undefined, 'new'],
      [30, undefined, undefined, 'new'], // due in half an hour: waiting, not overdue
      [60 * 40, undefined, undefined, 'closed_no_reply'],
      [60 * 24 * 9, 30, 'U1', 'resolved'],
      [60 * 24 * 6.5, 61, 'U2', 'resolved'],
    ] as const;
    const insert = (from: number, to: number) =>
      db
        .insertInto('mentions')
        .values(
          rows.slice(from, to).map(([postedAgo, reply, owner, status], i) => ({
            source: 'x',
            external_id: `m${from + i}`,
            text: 'where is my order',
            author_handle: `a${from + i}`,
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
        .execute();
    // Most compacted into the rollups (histogram buckets as rows, by the compaction of that
    // version, copied here), the rest still pending deltas.
    await insert(0, 7);
    await sql`
      with moved as (delete from stats_rollup_delta returning level, bin, metric, dim, bucket, n)
      insert into stats_rollup as r (level, bin, metric, dim, bucket, n)
      select level, bin, metric, dim, bucket, sum(n) from moved group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
      on conflict (level, bin, metric, dim, bucket) do update set n = r.n + excluded.n`.execute(db);
    await insert(7, rows.length);
    const { rows: ids } = await sql<{ id: number; external_id: string }>`select id, external_id from mentions`.execute(db);
    const id = (ext: string) => ids.find((x) => x.external_id === ext)!.id;
    await db
      .insertInto('case_responses')
      .values({ case_id: id('m1'), kind: 'next', waiting_since: at(60 * 8), due_at: at(60 * 7), responded_at: at(60 * 8 - 17), via: 'earshot', responder_id: 'U2' })
      .execute();
    exactBefore = await computeStatsFromRows(database.db, q);
    expect(exactBefore.openNow).toEqual({ waiting: 3, atRisk: 0, overdue: 2 });
    expect(await count(`select count(*)::int as n from stats_rollup where metric in ('frt', 'frt_by', 'next_wait')`)).toBeGreaterThan(0);

    const latest = await migrator.migrateToLatest();
    if (latest.error) throw latest.error;
    // What the migration left, read before any test changes a row (the tests run in any order).
    after = {
      report: await computeStats(database.db, q),
      histogramKeys: await count(`select count(*)::int as n from stats_rollup where metric in ('frt', 'frt_by', 'next_wait')`),
      packed: await count(`select count(*)::int as n from stats_hist`),
      pending: await count(`select count(*)::int as n from stats_rollup_delta`),
      waiting: await count(`select sum(n)::int as n from stats_rollup where level = 'a' and metric = 'open'`),
    };
  });

  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('moves the histograms into packed rows and counts the waiting cases: the report is the exact one', () => {
    expect(after.histogramKeys).toBe(0);
    expect(after.packed).toBeGreaterThan(0);
    expect(after.pending).toBeGreaterThan(0);
    expect(after.waiting).toBe(3);
    expect(after.report).toEqual(exactBefore);
  });

  it('folds the pending deltas into the packed rows, and later changes reach them', async () => {
    await compactStatsRollup(database.db);
    expect(await computeStats(database.db, q)).toEqual(await computeStatsFromRows(database.db, q));
    await database.db
      .updateTable('mentions')
      .set({ status: 'replied', first_response_at: at(29), first_response_by: 'U2' })
      .where('external_id', '=', 'm6')
      .execute();
    const pending = await computeStats(database.db, q);
    expect(pending.openNow).toEqual({ waiting: 2, atRisk: 0, overdue: 2 });
    expect(pending).toEqual(await computeStatsFromRows(database.db, q));
    await compactStatsRollup(database.db);
    expect(await computeStats(database.db, q)).toEqual(pending);
  });

  it('down and up again keep the report', async () => {
    const before = await computeStats(database.db, q);
    const down = await migrator.migrateTo('0013_sla_checks');
    if (down.error) throw down.error;
    expect(await count(`select count(*)::int as n from stats_rollup where metric in ('frt', 'frt_by', 'next_wait')`)).toBeGreaterThan(0);
    expect(await count(`select count(*)::int as n from stats_rollup where level = 'a'`)).toBe(0);
    const up = await migrator.migrateToLatest();
    if (up.error) throw up.error;
    expect(await computeStats(database.db, q)).toEqual(before);
  });
});
