import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import { compactStatsRollup } from '../../src/db/stats-rollup.js';
import type { MentionStatus } from '../../src/domain/lifecycle.js';
import { bucketBounds, responseBucket } from '../../src/domain/stats-rollup.js';
import type { PeriodName } from '../../src/domain/stats-args.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import type { StatsReport } from '../../src/domain/stats.js';
import { computeStats, computeStatsFromRows } from '../../src/services/stats.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The team's report from the rollups agrees with the exact computation over the rows (counts equal,
 * medians and p90 within one 30 s bucket) after random cases went through random changes: claims,
 * first replies, closes, escalations, customers writing again and next responses, deletions; with
 * the deltas pending, compacted, and compacted by two at once.
 */
const NOW = new Date('2026-05-20T13:37:11Z');
const MIN = 60_000;
const BUCKET_S = 30;
const PEOPLE = ['UANA', 'UBEN', 'UCAT', 'UDAN'];

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let tdb: TestDatabase;
let database: Database;
let db: Kysely<DB>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

async function seedRandom(seed: number, cases: number): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const at = (ms: number) => new Date(ms);
  // Posted over the last 100 days, at any second (not aligned to hours or buckets).
  const rows = Array.from({ length: cases }, (_, i) => {
    const posted = NOW.getTime() - Math.floor(r() * 100 * 24 * 60 * 60) * 1000;
    return {
      source: 'x',
      external_id: `r${seed}-${i}`,
      text: 'where is my order',
      author_handle: `cust${i}`,
      priority: 'normal' as const,
      posted_at: at(posted),
      received_at: at(posted),
      sla_warn_at: at(posted + 45 * MIN),
      sla_due_at: at(posted + 60 * MIN),
      sentiment_label: pick(['positive', 'neutral', 'negative', null, 'weird']),
      status: 'new' as MentionStatus,
    };
  });
  // Several statements, as ingest does: one row, a few rows, many rows.
  const ids: number[] = [];
  for (let i = 0; i < rows.length; ) {
    const n = Math.min(rows.length - i, pick([1, 3, 40]));
    const inserted = await db.insertInto('mentions').values(rows.slice(i, i + n)).returning('id').execute();
    ids.push(...inserted.map((x) => x.id));
    i += n;
  }
  for (const id of ids) {
    const m = await db.selectFrom('mentions').select(['posted_at', 'sla_due_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const posted = m.posted_at.getTime();
    const owner = r() < 0.8 ? pick(PEOPLE) : null;
    if (owner) await db.updateTable('mentions').set({ status: 'claimed', owner_id: owner, claimed_at: at(posted + 60_000) }).where('id', '=', id).execute();
    if (r() < 0.1) {
      await db
        .updateTable('mentions')
        .set({ status: 'escalated', escalated_at: at(posted + 120_000), escalated_by: owner ?? 'UANA', escalation_category: pick(['isolated', 'policy', 'procedural', null]) })
        .where('id', '=', id)
        .execute();
    }
    const fate = r();
    if (fate < 0.7) {
      // A first reply after 0 s … 6 h (a few stamped before the post), by the owner or someone else.
      const delay = r() < 0.03 ? -5_000 : Math.floor(r() * r() * 6 * 3_600_000);
      const by = owner && r() < 0.85 ? owner : pick(PEOPLE);
      const replied = posted + delay;
      await db.updateTable('mentions').set({ status: 'replied', first_response_at: at(replied), first_response_by: by, last_brand_reply_at: at(replied) }).where('id', '=', id).execute();
      await db
        .insertInto('case_responses')
        .values({ case_id: id, kind: 'first', waiting_since: at(posted), due_at: m.sla_due_at!, responded_at: at(Math.max(replied, posted)), via: 'earshot', responder_id: by })
        .execute();
      if (r() < 0.3) {
        // The customer wrote again, and was answered (or not yet).
        const again = replied + Math.floor(r() * 3 * 3_600_000);
        await db.insertInto('posts').values({ case_id: id, source: 'x', external_id: `p${seed}-${id}`, text: 'and?', author_handle: 'c', posted_at: at(again) }).execute();
        await db.updateTable('mentions').set({ waiting_since: at(again), sla_due_at: at(again + 60 * MIN), customer_posts: 2 }).where('id', '=', id).execute();
        if (r() < 0.7) {
          const next = again + Math.floor(r() * 2 * 3_600_000);
          await db
            .insertInto('case_responses')
            .values({ case_id: id, kind: 'next', waiting_since: at(again), due_at: at(again + 60 * MIN), responded_at: at(next), via: 'earshot', responder_id: by })
            .execute();
          await db.updateTable('mentions').set({ waiting_since: null }).where('id', '=', id).execute();
        }
      }
      if (r() < 0.5) await db.updateTable('mentions').set({ status: 'resolved', closed_at: at(replied + 3_600_000), closed_by: by }).where('id', '=', id).execute();
    } else if (fate < 0.8) {
      await db.updateTable('mentions').set({ status: 'closed_no_reply', closed_at: at(posted + 600_000), close_kind: 'spam' }).where('id', '=', id).execute();
    } else if (fate < 0.85 && owner) {
      // Released back to the queue.
      await db.updateTable('mentions').set({ status: 'new', owner_id: null, claimed_at: null }).where('id', '=', id).execute();
    }
  }
  // A bulk update of many rows in one statement (as the sweep or a migration might do)…
  await db.updateTable('mentions').set({ sentiment_label: 'neutral' }).where('sentiment_label', '=', 'weird').execute();
  // …and deletions of whole cases.
  const doomed = ids.filter(() => r() < 0.05);
  if (doomed.length > 0) {
    await db.deleteFrom('case_responses').where('case_id', 'in', doomed).execute();
    await db.deleteFrom('posts').where('case_id', 'in', doomed).execute();
    await db.deleteFrom('mentions').where('id', 'in', doomed).execute();
  }
}

const PERIODS: Array<[PeriodName, string]> = [
  ['today', 'UTC'],
  ['today', 'Asia/Kolkata'],
  ['today', 'Asia/Kathmandu'],
  ['24h', 'UTC'],
  ['7d', 'America/St_Johns'],
  ['30d', 'UTC'],
  ['90d', 'Australia/Adelaide'],
];

function expectClose(rollup: StatsReport, exact: StatsReport): void {
  const within = (a: number | null, b: number | null) => {
    if (a === null || b === null) return expect(a).toBe(b);
    // One bucket: 30 s below 4 hours, 5 minutes above.
    const { lo, hi } = bucketBounds(responseBucket(b));
    expect(hi - lo).toBeLessThanOrEqual(b < 14_400 ? BUCKET_S : 300);
    expect(Math.abs(a - b)).toBeLessThan(hi - lo);
  };
  for (const p of ['current', 'previous'] as const) {
    const { medianFirstResponseSec: m1, p90FirstResponseSec: p1, medianNextResponseSec: n1, ...counts1 } = rollup[p];
    const { medianFirstResponseSec: m2, p90FirstResponseSec: p2, medianNextResponseSec: n2, ...counts2 } = exact[p];
    expect(counts1).toEqual(counts2);
    within(m1, m2);
    within(p1, p2);
    within(n1, n2);
  }
  expect(rollup.openNow).toEqual(exact.openNow);
  expect(rollup.nextOverdue).toBe(exact.nextOverdue);
  expect(rollup.busiestHours).toEqual(exact.busiestHours);
  expect(rollup.respondersTotal).toBe(exact.respondersTotal);
  expect(rollup.responders.map((x) => x.userId)).toEqual(exact.responders.map((x) => x.userId));
  rollup.responders.forEach((f, i) => {
    const { medianFirstResponseSec: a, ...rest } = f;
    const { medianFirstResponseSec: b, ...restExact } = exact.responders[i]!;
    expect(rest).toEqual(restExact);
    within(a, b);
  });
}

async function compareAll(): Promise<number> {
  let compared = 0;
  for (const [period, tz] of PERIODS) {
    const q = { window: statsWindow(period, NOW, tz), now: NOW };
    const [rollup, exact] = await Promise.all([computeStats(db, q), computeStatsFromRows(db, q)]);
    expectClose(rollup, exact);
    compared += exact.current.received + exact.previous.received;
  }
  return compared;
}

describe('/social-stats from the rollups', () => {
  it('matches the rows after random changes, with the deltas pending', async () => {
    await seedRandom(1, 600);
    const { n } = await db.selectFrom('stats_rollup_delta' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBeGreaterThan(0);
    expect(await compareAll()).toBeGreaterThan(500);
  });

  it('matches after a compaction, and a compaction changes no figure', async () => {
    // Changes of its own, so deltas are pending whichever test ran before (the order is shuffled).
    await seedRandom(4, 200);
    const q = { window: statsWindow('90d', NOW, 'UTC'), now: NOW };
    const before = await computeStats(db, q);
    expect(await compactStatsRollup(db)).toBeGreaterThan(0);
    const { n } = await db.selectFrom('stats_rollup_delta' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
    expect(await computeStats(db, q)).toEqual(before);
    await compareAll();
  });

  it('matches after more changes and two compactions at once', async () => {
    await seedRandom(2, 300);
    await Promise.all([compactStatsRollup(db), compactStatsRollup(db)]);
    await seedRandom(3, 100);
    await compareAll();
    // No key is left at zero once compacted.
    await compactStatsRollup(db);
    const zero = await db.selectFrom('stats_rollup' as never).select(sql<number>`count(*)::int`.as('n')).where(sql.ref('n'), '=', 0).executeTakeFirstOrThrow();
    expect(Number(zero.n)).toBe(0);
    // Histograms are packed (no bucket rows), none is empty, and none holds a zero or negative bucket.
    const buckets = await db.selectFrom('stats_rollup' as never).select(sql<number>`count(*)::int`.as('n')).where(sql.ref('metric'), 'in', ['frt', 'frt_by', 'next_wait']).executeTakeFirstOrThrow();
    expect(Number(buckets.n)).toBe(0);
    const { rows: bad } = await sql<{ n: number }>`
      select count(*)::int as n from stats_hist h where h.counts = ''::bytea or exists (select 1 from stats_sketch_entries(h.counts) e where e.n <= 0)`.execute(db);
    expect(bad[0]!.n).toBe(0);
  });

  it('forgets a truncated table', async () => {
    await sql`truncate mentions, slack_jobs cascade`.execute(db);
    const q = { window: statsWindow('90d', NOW, 'UTC'), now: NOW };
    const r = await computeStats(db, q);
    expect(r.current).toMatchObject({ received: 0, posts: 0, answered: 0, due: 0, nextResponses: 0, medianFirstResponseSec: null });
    expect(r.busiestHours).toEqual([]);
    const { n } = await db.selectFrom('stats_rollup' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
    const packed = await db.selectFrom('stats_hist' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(Number(packed.n)).toBe(0);
  });
});
