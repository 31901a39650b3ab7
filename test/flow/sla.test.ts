import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { defaultReminderSettings, planReminders, type ReminderFacts } from '../../src/domain/reminders.js';
import { defaultSlaPolicy } from '../../src/domain/sla.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

const ENV = { SLACK_LEADS_GROUP: 'SLEADS01', SLACK_RESPONDERS_GROUP: 'SRESP01' };
const MINUTE = 60_000;

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
// Ahead of the real clock and only ever moved forward: queued jobs (stamped with the database's
// now()) are always runnable at the test's "now".
const clock = new ManualClock(Math.ceil(Date.now() / MINUTE) * MINUTE + MINUTE);

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.setUsergroup('SRESP01', ['UALICE', 'UBOB']);
  slack.setUsergroup('SLEADS01', ['ULEAD']);
  tdb = await createTestDatabase();
  database = await tdb.open();
  app = await startTestApp({ slack, database, clock, env: ENV });
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

async function until(pred: () => Promise<boolean> | boolean, what: string, ms = PATIENT_MS): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until every queued Slack write has been sent by the apps' queues. */
async function settle(apps: TestApp[], db: Database = database): Promise<void> {
  await until(async () => {
    if (apps.some((a) => a.queue.busy > 0)) return false;
    const r = await db.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    return Number(r.n) === 0;
  }, 'the card queue to drain').catch(async (err: Error) => {
    const pending = await db.db.selectFrom('slack_jobs').select(['id', 'kind', 'dedupe_key', 'run_after', 'locked_until', 'attempts', 'last_error']).where('status', '=', 'pending').execute();
    throw new Error(`${err.message} at ${clock.now().toISOString()}; pending: ${JSON.stringify(pending)}`);
  });
}

async function row(id: number, db: Database = database) {
  return db.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

let authors = 0;

/**
 * A mention through the webhook, posted at `postedAt`; resolves once its card is in the channel.
 * Each from another customer: posts of one author while a case is open join that case.
 */
async function newCard(postedAt: Date, on: TestApp = app, db: Database = database) {
  const m = sampleMention({ posted_at: postedAt.toISOString(), author: { handle: `jane${++authors}` } });
  const r = await on.webhook(m, { timestamp: Math.floor(clock.now().getTime() / 1000) });
  expect(r.status).toBe(202);
  const { id } = await db.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await until(async () => (await row(id, db)).card_ts !== null, 'the card');
  return row(id, db);
}

function cardText(ts: string): string {
  const msg = slack.topLevel(TRIAGE).find((m) => m.ts === ts);
  return JSON.stringify([msg?.text, msg?.blocks]);
}

/** "kind:n" of each reminder in the card's thread, in order (by the queue job each message names). */
async function remindersIn(cardTs: string, db: Database = database): Promise<Array<{ key: string; msg: FakeMessage }>> {
  const thread = slack.thread(TRIAGE, cardTs);
  const jobIds = thread.map((m) => String((m.metadata?.event_payload as { job_id?: string } | undefined)?.job_id ?? '')).filter(Boolean);
  if (jobIds.length === 0) return [];
  const jobs = await db.db.selectFrom('slack_jobs').select(['id', 'dedupe_key']).where('id', 'in', jobIds).execute();
  const keyOf = new Map(jobs.map((j) => [String(j.id), j.dedupe_key ?? '']));
  return thread
    .map((msg) => ({ msg, key: keyOf.get(String((msg.metadata?.event_payload as { job_id?: string } | undefined)?.job_id)) ?? '' }))
    .filter((r) => r.key.startsWith('reminder:'))
    .map((r) => ({ msg: r.msg, key: r.key.split(':').slice(2).join(':') }));
}

/** Half a minute past `minutes` after `from` (cron ticks on the minute; posts come at any second), one sweep, queue drained. */
async function tick(from: Date, minutes: number): Promise<void> {
  clock.set(from.getTime() + minutes * MINUTE + 30_000);
  await app.sweepSla();
  await settle([app]);
}

async function replyViaModal(m: { id: number; card_ts: string | null }, user = 'UALICE'): Promise<void> {
  const before = slack.views.opened.length;
  await app.interact(blockAction({ user, actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
  await slack.waitFor(() => slack.views.opened.length > before, PATIENT_MS, 'reply modal');
  const modal = slack.views.opened.at(-1)! as { view?: { private_metadata?: string }; private_metadata?: string };
  const r = await app.interact(
    viewSubmission({
      user,
      callbackId: VIEW.reply,
      privateMetadata: modal.view?.private_metadata ?? modal.private_metadata ?? '',
      values: {
        [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: 'Sorry for the wait, we are on it.' } },
        [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: 'public' } } },
      },
    }),
  );
  expect(r.status).toBe(200);
  await until(async () => (await row(m.id)).first_response_at !== null, 'the reply to be recorded');
  await settle([app]);
}

describe('the hour, on a moved clock', () => {
  it('warns at 45, is overdue at 60 (broadcast), repeats at 90 and 120, and stops at the reply', async () => {
    const posted = clock.now();
    const card = await newCard(posted);
    const log: string[] = [];
    const seen = new Set<string>();
    const record = async (m: number) => {
      for (const r of await remindersIn(card.card_ts!)) {
        if (!seen.has(r.key)) log.push(`${m} ${r.key}`);
        seen.add(r.key);
      }
    };
    for (let m = 0; m <= 125; m++) {
      await tick(posted, m);
      await record(m);
      if (m === 45) expect(cardText(card.card_ts!)).toContain(':warning: at risk');
      if (m === 60) expect(cardText(card.card_ts!)).toContain(':rotating_light: overdue by 1 min');
    }
    expect(log).toEqual(['45 warning:1', '60 overdue:1', '90 repeat:1', '120 repeat:2']);

    const reminders = await remindersIn(card.card_ts!);
    const [warning, overdue, repeat] = reminders.map((r) => r.msg);
    expect(warning!.text).toMatch(/^<!subteam\^SRESP01> :hourglass_flowing_sand: \*15 min left\* to answer @jane/);
    expect(overdue!.text).toMatch(/^<!subteam\^SLEADS01> :rotating_light: \*Overdue:\*/);
    expect(overdue!.reply_broadcast).toBe(true);
    expect(warning!.reply_broadcast).toBeFalsy();
    expect(repeat!.reply_broadcast).toBeFalsy();

    await replyViaModal(card);
    for (let m = 126; m <= 300; m += 5) await tick(posted, m);
    expect((await remindersIn(card.card_ts!)).map((r) => r.key)).toEqual(['warning:1', 'overdue:1', 'repeat:1', 'repeat:2']);
    expect(cardText(card.card_ts!)).toContain(':x: missed');
  });

  it('pings the owner once claimed, and sends nothing after a close', async () => {
    const posted = clock.now();
    const card = await newCard(posted);
    await app.interact(blockAction({ user: 'UBOB', actionId: ACTION.claim, value: String(card.id), messageTs: card.card_ts!, channel: TRIAGE }));
    await until(async () => (await row(card.id)).owner_id === 'UBOB', 'the claim');
    await settle([app]);
    for (let m = 0; m <= 50; m += 5) await tick(posted, m);
    const [warning] = await remindersIn(card.card_ts!);
    expect(warning!.msg.text).toMatch(/^<@UBOB> :hourglass_flowing_sand:/);

    await app.triage.closeWithoutReply(card.id, 'UBOB', 'no_reply_needed', 'a bot account');
    for (let m = 51; m <= 240; m += 3) await tick(posted, m);
    expect((await remindersIn(card.card_ts!)).map((r) => r.key)).toEqual(['warning:1']);
    expect((await database.db.selectFrom('sla_checks').select('next_check_at').where('mention_id', '=', card.id).executeTakeFirstOrThrow()).next_check_at).toBeNull();
  });

  it('a mention stored 70 minutes after it was posted gets one overdue reminder and no warning', async () => {
    const posted = new Date(clock.now().getTime() - 70 * MINUTE);
    const card = await newCard(posted);
    expect(cardText(card.card_ts!)).toContain('overdue by');
    for (let m = 70; m <= 89; m++) await tick(posted, m);
    const reminders = await remindersIn(card.card_ts!);
    expect(reminders.map((r) => r.key)).toEqual(['overdue:1']);
    expect(reminders[0]!.msg.text).toContain('has waited 70 min');
  });

  it('a reply at minute 59 shows "met" on the card; at minute 61, "missed"', async () => {
    const posted = clock.now();
    const early = await newCard(posted);
    const late = await newCard(posted);
    await tick(posted, 45);
    clock.set(posted.getTime() + 59 * MINUTE);
    await replyViaModal(early);
    await until(() => cardText(early.card_ts!).includes(':white_check_mark: met · replied in 59 min'), 'met on the card');
    clock.set(posted.getTime() + 61 * MINUTE);
    await app.sweepSla();
    // The overdue reminder goes out before the reply: sent after it, the queue would rightly drop it.
    await settle([app]);
    await replyViaModal(late);
    await until(() => cardText(late.card_ts!).includes(':x: missed · replied in 61 min'), 'missed on the card');
    await tick(posted, 120);
    expect((await remindersIn(early.card_ts!)).map((r) => r.key)).toEqual(['warning:1']);
    expect((await remindersIn(late.card_ts!)).map((r) => r.key)).toEqual(['warning:1', 'overdue:1']);
  });
});

describe('the job registry', () => {
  it('runs the sweep on SLA_SWEEP_CRON', async () => {
    const scheduled = await startTestApp({ slack, database, clock, env: { ...ENV, SLA_SWEEP_CRON: '* * * * * *' }, runQueue: false, extra: { runJobs: true } });
    try {
      expect([...(scheduled.jobs?.tasks.keys() ?? [])]).toEqual(['sla-sweep']);
      const posted = clock.now();
      const card = await newCard(posted);
      clock.set(posted.getTime() + 46 * MINUTE);
      const key = `reminder:${card.id}:warning:1`;
      await until(async () => (await database.db.selectFrom('slack_jobs').select('id').where('dedupe_key', '=', key).executeTakeFirst()) !== undefined, 'a tick of the scheduled sweep', PATIENT_MS);
    } finally {
      await scheduled.stop();
    }
    await settle([app]);
  });
});

describe.skipIf(!usingServer)('several replicas on one Postgres', () => {
  it('three app instances sweeping at once for 50 ticks post every reminder exactly once', async () => {
    const databases = await Promise.all([tdb.open(), tdb.open(), tdb.open()]);
    const apps = await Promise.all(databases.map((d) => startTestApp({ slack, database: d, clock, env: ENV })));
    try {
      const [a, b, c] = apps as [TestApp, TestApp, TestApp];
      const queuedBefore = await reminderJobCount(databases[0]!);
      const start = clock.now();
      const cards = [];
      for (let i = 0; i < 12; i++) cards.push(await newCard(new Date(start.getTime() - i * 7 * MINUTE), apps[i % 3]!, databases[0]!));
      const claimed = cards[1]!;
      await b.triage.claim(claimed.id, 'UBOB');
      const replied = cards[2]!;
      const closed = cards[3]!;
      let repliedAtTick = -1;
      let closedAtTick = -1;
      for (let t = 1; t <= 50; t++) {
        clock.set(start.getTime() + t * 5 * MINUTE);
        if (t === 10) {
          await c.replies.send(replied.id, 'UALICE', { text: 'On it!', mode: 'public' });
          repliedAtTick = t;
        }
        if (t === 12) {
          await a.triage.closeWithoutReply(closed.id, 'UBOB', 'spam', 'bot');
          closedAtTick = t;
        }
        // Three leaders contending for the lock, plus one sweep that bypasses it and relies on row locks and keys alone.
        await Promise.all([a.sweepSla(), b.sweepSla(), c.sweepSla(), a.slaSweep.sweep()]);
        // A minute is long enough for the queues to send; moving the clock on while a send is in
        // flight would expire its lease (leases run on the injected clock) and hand it to another replica.
        await settle(apps, databases[0]);
      }
      await settle(apps, databases[0]);

      let total = 0;
      for (const card of cards) {
        const keys = (await remindersIn(card.card_ts!, databases[0])).map((r) => r.key);
        expect(new Set(keys).size, `duplicates for mention ${card.id}: ${keys.join(', ')}`).toBe(keys.length);
        // Nothing after the reply (tick 10) or the close (tick 12), both made before that tick's sweeps.
        const lastTick = card.id === replied.id ? repliedAtTick - 1 : card.id === closed.id ? closedAtTick - 1 : 50;
        expect(keys, `reminders of mention ${card.id}`).toEqual(expectedKeys(card.posted_at, start, lastTick));
        total += keys.length;
      }
      expect(total).toBeGreaterThan(40);
      const sent = await Promise.all(apps.map(async (x) => (await x.metrics.remindersSent.get()).values.reduce((n, v) => n + v.value, 0)));
      expect(sent.reduce((n, v) => n + v, 0)).toBeGreaterThanOrEqual(total);
      // Each reminder counted once, by the replica that queued it (other tests' mentions included).
      expect(sent.reduce((n, v) => n + v, 0)).toBe((await reminderJobCount(databases[0]!)) - queuedBefore);
      for (const card of cards) {
        const copies = slack.topLevel(TRIAGE).filter((m) => (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === card.id);
        expect(copies).toHaveLength(1);
      }
    } finally {
      await Promise.all(apps.map((x) => x.stop()));
      await Promise.all(databases.map((d) => d.close()));
    }
  });
});

async function reminderJobCount(db: Database): Promise<number> {
  const r = await db.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('dedupe_key', 'like', 'reminder:%').executeTakeFirstOrThrow();
  return Number(r.n);
}

/** What the rule owes an unanswered mention over ticks every 5 minutes from `start` up to `ticks`. */
function expectedKeys(postedAt: Date, start: Date, ticks: number): string[] {
  let facts: ReminderFacts = { postedAt, priority: 'normal', status: 'new', ownerId: null, firstResponseAt: null, escalatedAt: null, slaStage: 0, followUps: 0, lastFollowUpAt: null };
  const keys: string[] = [];
  // The first look is at ingest time (the sweep runs at the first tick after it).
  for (let t = 1; t <= ticks; t++) {
    const plan = planReminders(facts, defaultSlaPolicy, defaultReminderSettings, new Date(start.getTime() + t * 5 * MINUTE));
    keys.push(...plan.reminders.map((r) => `${r.kind}:${r.n}`));
    facts = { ...facts, slaStage: plan.slaStage, followUps: plan.followUps, lastFollowUpAt: plan.lastFollowUpAt };
  }
  return keys;
}
