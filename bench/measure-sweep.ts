import { sql } from 'kysely';
import { ManualClock } from '../src/clock.js';
import type { Database } from '../src/db/database.js';
import { startFakeSlack } from '../test/fakes/slack-server.js';
import { startTestApp } from '../test/support/app.js';
import { percentile } from './stats.js';

/**
 * The SLA sweep benchmark: ticks over the seeded mentions through the app's `sweepSla()` (the
 * advisory lock, the due-mentions read, reminders queued, bookkeeping saved). The clock starts at
 * the seed's "now", where nothing is due, and moves one minute per tick, so each tick handles the
 * mentions whose next reminder fell in that minute, as in production. Runs on a throwaway copy of
 * the seed: a tick writes. `due_read_plan` is the EXPLAIN ANALYZE of the due-mentions read, to show
 * it reads only the partial index however many mentions there are.
 */
export async function measureSlaSweep(database: Database, o: { now: Date; ticks: number }) {
  const slack = await startFakeSlack();
  const clock = new ManualClock(o.now);
  const app = await startTestApp({ slack, database, clock, runQueue: false });
  try {
    const counts = await sql<{ total: number; open: number }>`
      select count(*)::int as total, count(*) filter (where status in ('new', 'claimed', 'escalated', 'replied'))::int as open from mentions`.execute(database.db);
    const plan = await duePlan(database, new Date(o.now.getTime() + 60_000));
    const tick = async () => {
      const t0 = performance.now();
      const r = await app.sweepSla();
      return { ms: performance.now() - t0, checked: r?.checked ?? 0, reminders: r?.queued.length ?? 0, led: r !== null };
    };
    // Nothing is due at the seed's "now": the cost of a tick with nothing to do (also warms the index).
    const idle = [await tick(), await tick(), await tick()];
    const busy: Awaited<ReturnType<typeof tick>>[] = [];
    for (let i = 1; i <= o.ticks; i++) {
      clock.set(o.now.getTime() + i * 60_000);
      busy.push(await tick());
    }
    const ms = busy.map((t) => t.ms);
    return {
      mentions: counts.rows[0]?.total ?? 0,
      open: counts.rows[0]?.open ?? 0,
      ticks: busy.length,
      p50_ms: percentile(ms, 50),
      p95_ms: percentile(ms, 95),
      max_ms: Math.round(Math.max(...ms) * 10) / 10,
      idle_tick_ms: percentile(idle.slice(1).map((t) => t.ms), 50),
      tick_ms: ms.map((x) => Math.round(x * 10) / 10),
      due_per_tick: busy.map((t) => t.checked),
      reminders_per_tick: busy.map((t) => t.reminders),
      every_tick_led: busy.every((t) => t.led),
      due_read_plan: plan,
    };
  } finally {
    await app.stop();
    await slack.close();
  }
}

/** The plan of the sweep's due-mentions read (the same shape as src/db/sla.ts), in a rolled-back transaction. */
async function duePlan(database: Database, dueAt: Date): Promise<string[]> {
  try {
    return await database.db.transaction().execute(async (trx) => {
      const r = await sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off)
        select m.id from mentions m join sla_checks c on c.mention_id = m.id where c.next_check_at <= ${dueAt}
        order by c.next_check_at, c.mention_id limit 500 for update`.execute(trx);
      return r.rows.map((row) => row['QUERY PLAN']);
    });
  } catch (err) {
    return [`explain failed: ${(err as Error).message}`];
  }
}
