import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMentions } from '../../bench/seed-mentions.js';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { LOCK } from '../../src/db/leader.js';
import { defaultReminderSettings } from '../../src/domain/reminders.js';
import { defaultSlaPolicy } from '../../src/domain/sla.js';
import { SlaSweep, type SlaSweepDeps } from '../../src/jobs/sla-sweep.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { ingestMentions } from '../../src/services/ingest.js';
import { Triage } from '../../src/services/triage.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';

const TRIAGE = 'CTRIAGE01';
const logger = createLogger({ level: 'silent', pretty: false });
let tdb: TestDatabase;
let database: Database;
const clock = new ManualClock('2026-11-24T10:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

function makeSweep(over: Partial<SlaSweepDeps> = {}) {
  const metrics = createMetrics();
  const sweep = new SlaSweep({
    database,
    clock,
    logger,
    metrics,
    slaPolicy: defaultSlaPolicy,
    settings: defaultReminderSettings,
    audience: { warnMention: 'responders', respondersGroup: 'SRESP01', leadsGroup: 'SLEADS01' },
    triageChannel: TRIAGE,
    ...over,
  });
  return { sweep, metrics };
}

let seq = 0;
async function ingest(postedAt: Date, handle = `cust${++seq}`): Promise<number> {
  const r = await ingestMentions({ db: database.db, triageChannel: TRIAGE, slaPolicy: defaultSlaPolicy }, [
    { source: 'facebook', externalId: `fb-sweep-${++seq}`, text: 'Still waiting for my refund', author: { handle }, postedAt },
  ]);
  return r.ids[0]!;
}

/** Moves the clock to `minutes` (and a half) after `from`. */
function at(from: Date, minutes: number): Date {
  clock.set(from.getTime() + minutes * 60_000 + 30_000);
  return clock.now();
}

async function reminderJobs(mentionId: number) {
  return database.db
    .selectFrom('slack_jobs')
    .select(['dedupe_key', 'kind', 'channel', 'priority', 'payload'])
    .where('mention_id', '=', mentionId)
    .where('dedupe_key', 'like', 'reminder:%')
    .orderBy('id')
    .execute();
}

async function counter(metrics: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((n, v) => n + Number(v.value), 0);
}

describe('the sweep reads only what is due', () => {
  it('through the partial index on sla_checks (next_check_at), and the seeded bookkeeping is what a sweep leaves', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    await seedMentions(database.db, { total: 10_000, open: 3_000, now, openSpanMinutes: 600 });
    const plan = await sql<{ 'QUERY PLAN': unknown }>`explain (format json)
      select m.id from mentions m join sla_checks c on c.mention_id = m.id where c.next_check_at <= ${new Date(now.getTime() + 60_000)}
      order by c.next_check_at, c.mention_id limit 500 for update`.execute(database.db);
    expect(JSON.stringify(plan.rows)).toContain('sla_checks_due_idx');
    expect(JSON.stringify(plan.rows)).not.toContain('Seq Scan');

    const { sweep } = makeSweep();
    clock.set(now);
    expect((await sweep.sweep()).checked).toBe(0);
    clock.set(now.getTime() + 60_000);
    const r = await sweep.sweep();
    expect(r.checked).toBeGreaterThan(0);
    expect(r.checked).toBeLessThan(100);
    const byMention = new Map<number, string[]>();
    for (const q of r.queued) byMention.set(q.mentionId, [...(byMention.get(q.mentionId) ?? []), q.kind]);
    // Every mention that became due owed something, and nothing was owed twice.
    expect(byMention.size).toBe(r.checked);
    for (const kinds of byMention.values()) expect(new Set(kinds).size).toBe(kinds.length);
    await sql`update sla_checks set next_check_at = null`.execute(database.db);
  });
});

describe('reminders as thread replies on the card', () => {
  it('warning at 45, overdue (broadcast) at 60, repeats at 90 and 120, each with a unique key, counted once', async () => {
    const posted = new Date('2026-11-24T10:00:00Z');
    clock.set(posted);
    const id = await ingest(posted, 'jane');
    const { sweep, metrics } = makeSweep();
    for (const m of [0, 30, 44]) {
      at(posted, m);
      await sweep.sweep();
    }
    expect(await reminderJobs(id)).toEqual([]);
    for (const m of [45, 59, 60, 61, 90, 120]) {
      at(posted, m);
      await sweep.sweep();
    }
    const jobs = await reminderJobs(id);
    expect(jobs.map((j) => j.dedupe_key)).toEqual([`reminder:${id}:warning:1`, `reminder:${id}:overdue:1`, `reminder:${id}:repeat:1`, `reminder:${id}:repeat:2`]);
    expect(jobs.every((j) => j.kind === 'thread_reply' && j.channel === TRIAGE && j.priority === 2)).toBe(true);
    expect(jobs.map((j) => (j.payload as { broadcast?: boolean }).broadcast)).toEqual([false, true, false, false]);
    const texts = jobs.map((j) => String(j.payload.text));
    expect(texts[0]).toContain('<!subteam^SRESP01>');
    expect(texts[0]).toContain('15 min left');
    expect(texts[1]).toContain('<!subteam^SLEADS01>');
    expect(texts[1]).toContain('Overdue');
    expect(texts[2]).toContain('Still unanswered');
    expect(await counter(metrics, 'earshot_reminders_sent_total')).toBe(4);
    expect(await counter(metrics, 'earshot_sla_breaches_total')).toBe(1);
    const events = await database.db.selectFrom('mention_events').select('details').where('mention_id', '=', id).where('kind', '=', 'sla_reminder').execute();
    expect(events).toHaveLength(4);
  });

  it('refreshes the card when the SLA line changes, not on a tick that changes nothing', async () => {
    const posted = new Date('2026-11-25T10:00:00Z');
    clock.set(posted);
    const id = await ingest(posted);
    const { sweep } = makeSweep();
    const pendingUpdates = () =>
      database.db.selectFrom('slack_jobs').select('id').where('mention_id', '=', id).where('kind', '=', 'update_card').where('status', '=', 'pending').execute();
    at(posted, 45);
    await sweep.sweep();
    expect(await pendingUpdates()).toHaveLength(1);
    await database.db.updateTable('slack_jobs').set({ status: 'done' }).where('mention_id', '=', id).where('kind', '=', 'update_card').execute();
    at(posted, 50);
    await sweep.sweep();
    expect(await pendingUpdates()).toHaveLength(0);
    at(posted, 60);
    await sweep.sweep();
    expect(await pendingUpdates()).toHaveLength(1);
  });

  it('a mention stored 70 minutes after it was posted gets one overdue reminder and no warning', async () => {
    const now = new Date('2026-11-26T10:00:00Z');
    clock.set(now);
    const id = await ingest(new Date(now.getTime() - 70 * 60_000));
    const { sweep } = makeSweep();
    await sweep.sweep();
    clock.advanceMinutes(1);
    await sweep.sweep();
    expect((await reminderJobs(id)).map((j) => j.dedupe_key)).toEqual([`reminder:${id}:overdue:1`]);
  });
});

describe('exactly once', () => {
  it('concurrent sweeps, and a re-run that lost its bookkeeping, queue each reminder once', async () => {
    const posted = new Date('2026-11-27T10:00:00Z');
    clock.set(posted);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await ingest(posted));
    const sweeps = Array.from({ length: 4 }, () => makeSweep({ batchSize: 7 }));
    at(posted, 61);
    const results = await Promise.all(sweeps.map((s) => s.sweep.sweep()));
    const queued = results.flatMap((r) => r.queued).filter((q) => ids.includes(q.mentionId));
    expect(queued).toHaveLength(30);
    expect(new Set(queued.map((q) => q.mentionId)).size).toBe(30);

    // As if the bookkeeping had been lost after the reminders were queued: the unique keys hold.
    await database.db.updateTable('sla_checks').set({ stage: 0, next_check_at: posted }).where('mention_id', 'in', ids).execute();
    const again = makeSweep();
    const r = await again.sweep.sweep();
    expect(r.queued.filter((q) => ids.includes(q.mentionId))).toEqual([]);
    expect(await counter(again.metrics, 'earshot_reminders_sent_total')).toBe(0);
    for (const id of ids) expect((await reminderJobs(id)).map((j) => j.dedupe_key)).toEqual([`reminder:${id}:overdue:1`]);
  });

  it('runs as the leader only: a second tick while one runs is skipped', async () => {
    const { sweep } = makeSweep();
    const [a, b] = await Promise.all([sweep.sweepAsLeader(), sweep.sweepAsLeader()]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
  });

  it.skipIf(!usingServer)('skips the tick while another replica holds the advisory lock', async () => {
    const other = new pg.Client({ connectionString: tdb.url });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock($1)', [LOCK.slaSweep]);
      expect(await makeSweep().sweep.sweepAsLeader()).toBeNull();
      await other.query('select pg_advisory_unlock($1)', [LOCK.slaSweep]);
      expect(await makeSweep().sweep.sweepAsLeader()).not.toBeNull();
    } finally {
      await other.end();
    }
  });
});

describe('release on breach and follow-ups', () => {
  it('SLA_RELEASE_ON_BREACH frees the claim at the deadline and says so, pinging the owner and the leads', async () => {
    const posted = new Date('2026-11-28T10:00:00Z');
    clock.set(posted);
    const id = await ingest(posted);
    const triage = new Triage({ db: database.db, clock, triageChannel: TRIAGE, escalationChannel: TRIAGE });
    await triage.claim(id, 'UOWNER');
    const { sweep } = makeSweep({ settings: { ...defaultReminderSettings, releaseOnBreach: true } });
    at(posted, 45);
    await sweep.sweep();
    expect((await database.db.selectFrom('mentions').select('owner_id').where('id', '=', id).executeTakeFirstOrThrow()).owner_id).toBe('UOWNER');
    at(posted, 60);
    const r = await sweep.sweep();
    expect(r.released).toContain(id);
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBeNull();
    expect(row.status).toBe('new');
    const released = await database.db.selectFrom('mention_events').selectAll().where('mention_id', '=', id).where('kind', '=', 'released').executeTakeFirstOrThrow();
    expect(released.actor_id).toBeNull();
    expect(released.details).toMatchObject({ reason: 'sla_breach', owner: 'UOWNER' });
    const jobs = await reminderJobs(id);
    expect(String(jobs[0]!.payload.text)).toContain('<@UOWNER>');
    const overdue = String(jobs[1]!.payload.text);
    expect(overdue).toContain('<@UOWNER> <!subteam^SLEADS01>');
    expect(overdue).toContain('The claim of <@UOWNER> was released');
  });

  it('an escalated mention gets a follow-up to its owner 4 h after the escalation; a resolved one gets nothing more', async () => {
    const posted = new Date('2026-11-29T10:00:00Z');
    clock.set(posted);
    const id = await ingest(posted);
    const triage = new Triage({ db: database.db, clock, triageChannel: TRIAGE, escalationChannel: TRIAGE });
    await triage.claim(id, 'UOWNER');
    at(posted, 10);
    await triage.escalate(id, 'UOWNER', { reason: 'refund policy', severity: 'medium', category: 'policy' });
    const { sweep } = makeSweep({ settings: { ...defaultReminderSettings, maxRepeats: 0 } });
    for (const m of [11, 45, 60, 249]) {
      at(posted, m);
      await sweep.sweep();
    }
    expect((await reminderJobs(id)).map((j) => j.dedupe_key)).toEqual([`reminder:${id}:warning:1`, `reminder:${id}:overdue:1`]);
    at(posted, 250);
    await sweep.sweep();
    const followUp = (await reminderJobs(id)).at(-1)!;
    expect(followUp.dedupe_key).toBe(`reminder:${id}:follow_up:1`);
    expect(String(followUp.payload.text)).toMatch(/^<@UOWNER> :bell: \*Follow-up:\* .* was escalated 4 h ago/);

    // Answered at 300, resolved at 310: the follow-up that would have come at 540 never does.
    at(posted, 300);
    await database.db.updateTable('mentions').set({ status: 'replied', first_response_at: clock.now(), first_response_by: 'UOWNER' }).where('id', '=', id).execute();
    await database.db.updateTable('sla_checks').set({ next_check_at: clock.now() }).where('mention_id', '=', id).execute();
    await sweep.sweep();
    const row = await database.db.selectFrom('sla_checks').select('next_check_at').where('mention_id', '=', id).executeTakeFirstOrThrow();
    expect(row.next_check_at).toEqual(new Date(posted.getTime() + 540 * 60_000 + 30_000));
    at(posted, 310);
    await triage.resolve(id, 'UOWNER');
    at(posted, 540);
    await sweep.sweep();
    expect(await reminderJobs(id)).toHaveLength(3);
    expect((await database.db.selectFrom('sla_checks').select('next_check_at').where('mention_id', '=', id).executeTakeFirstOrThrow()).next_check_at).toBeNull();
  });
});

describe('quiet cases', () => {
  /** A case the brand answered at `answeredAt`, nothing from the customer since. */
  async function answered(answeredAt: Date): Promise<number> {
    const id = await ingest(new Date(answeredAt.getTime() - 10 * 60_000));
    await database.db
      .updateTable('mentions')
      .set({ status: 'replied', first_response_at: answeredAt, first_response_by: 'UBOB', last_brand_reply_at: answeredAt, waiting_since: null })
      .where('id', '=', id)
      .execute();
    return id;
  }

  it('are looked for at most every idleCheckEveryMs of the clock, and again at once while a look leaves some for later', async () => {
    const start = new Date('2027-03-01T09:00:00Z');
    clock.set(start.getTime() + 8 * 86_400_000);
    // Whatever other tests left quiet is resolved first, so only this test's cases count below.
    await makeSweep({ idleDays: 7 }).sweep.sweep();
    const first = await answered(start);
    const { sweep } = makeSweep({ idleDays: 7, idleCheckEveryMs: 5 * 60_000, batchSize: 2, maxBatches: 1 });
    expect((await sweep.sweep()).idleResolved).toEqual([first]);

    // Two more quiet cases: a tick a minute later does not look (the last look found less than a batch)…
    const second = await answered(start);
    const third = await answered(start);
    clock.advance(60_000);
    expect((await sweep.sweep()).idleResolved).toEqual([]);
    // …five minutes after the last look it does; that look fills its one batch, so the next tick looks again.
    clock.advance(4 * 60_000);
    expect((await sweep.sweep()).idleResolved).toEqual([second, third]);
    const fourth = await answered(start);
    clock.advance(60_000);
    expect((await sweep.sweep()).idleResolved).toEqual([fourth]);
    const statuses = await database.db.selectFrom('mentions').select('status').where('id', 'in', [first, second, third, fourth]).execute();
    expect(statuses.map((s) => s.status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
  });
});
