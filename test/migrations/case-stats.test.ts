import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { statsRows } from '../../src/db/stats.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import { computeStats } from '../../src/services/stats.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * /social-stats over data written before conversations existed gives the same first-response
 * figures after the migration as before it: each mention became a one-post case.
 */
const NOW = new Date('2026-11-22T12:00:00Z');
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000).toISOString();
const q = { window: statsWindow('7d', NOW, 'UTC'), now: NOW };

describe('first-response figures across migration 0008', () => {
  let tdb: TestDatabase;
  let database: Database;
  let before: Awaited<ReturnType<typeof statsRows>>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ url: tdb.url, dataDir: tdb.dataDir });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const to5 = await migrator.migrateTo('0005_author_lookup');
    if (to5.error) throw to5.error;
    const db = database.db as never as Kysely<any>;
    const rows = [
      // minutes ago posted, minutes to the first reply (none: unanswered), owner, status
      [60 * 30, 12, 'U1', 'resolved'],
      [60 * 20, 45, 'U2', 'replied'],
      [60 * 10, 90, 'U1', 'replied'],
      [60 * 5, 3, 'U2', 'resolved'],
      [60 * 3, undefined, 'U1', 'claimed'],
      [60 * 2, undefined, undefined, 'new'],
      [60 * 40, undefined, undefined, 'closed_no_reply'],
      [60 * 24 * 9, 30, 'U1', 'resolved'],
    ] as const;
    await db
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
      .execute();
    before = await statsRows(database.db, q);
    const latest = await migrator.migrateToLatest();
    if (latest.error) throw latest.error;
  });

  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('the same rows behind the figures', async () => {
    expect(await statsRows(database.db, q)).toEqual(before);
  });

  it('the same first-response figures in the report, each mention a one-post case', async () => {
    const r = await computeStats(database.db, q);
    const pct = before.curPct[0]!;
    // 12, 45, 90, 3 min: median (12 + 45) / 2.
    expect(pct.median_s).toBe(28.5 * 60);
    expect(r.current.medianFirstResponseSec).toBe(pct.median_s);
    expect(r.current.p90FirstResponseSec).toBe(pct.p90_s);
    const d = before.due.find((x) => x.cur && x.total)!;
    expect(r.current).toMatchObject({ received: 7, posts: 7, answered: 4, due: d.due, dueMet: d.met, nextResponses: 0, medianNextResponseSec: null });
    expect(r.responders.map((p) => [p.userId, p.replied, p.medianFirstResponseSec])).toEqual(
      before.repliers.map((x) => [x.who, x.replied, x.median_s]).sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
  });
});
