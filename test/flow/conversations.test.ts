import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { insertReply } from '../../src/db/replies.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
// Ahead of the real clock and only ever moved forward, so queued jobs are always runnable.
const clock = new ManualClock(Math.ceil(Date.now() / MINUTE) * MINUTE + MINUTE);

beforeAll(async () => {
  slack = await startFakeSlack();
  tdb = await createTestDatabase();
  database = await tdb.open();
  app = await startTestApp({ slack, database, clock });
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

async function until(pred: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function settle(db: Database = database): Promise<void> {
  await until(async () => {
    const r = await db.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    return Number(r.n) === 0 && app.queue.busy === 0;
  }, 'the card queue to drain');
}

const row = (id: number) => database.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const cases = (handle: string) => database.db.selectFrom('mentions').selectAll().where('author_handle', '=', handle).orderBy('id').execute();
const cardsOf = (handle: string) => slack.topLevel(TRIAGE).filter((m) => JSON.stringify(m.blocks).includes(`@${handle}`));
const threadOf = (ts: string) => slack.thread(TRIAGE, ts).map((m) => m.text ?? '');
const cardText = (ts: string) => JSON.stringify(slack.topLevel(TRIAGE).find((m) => m.ts === ts)?.blocks);

async function post(over: Record<string, unknown>, on: TestApp = app) {
  const r = await on.webhook(over, { timestamp: Math.floor(clock.now().getTime() / 1000) });
  expect(r.status).toBe(202);
  return r.json as { accepted: number; duplicates: number };
}

/** A new customer's first post, its card posted, claimed by Alice. */
async function newCase(handle: string) {
  const m = sampleMention({ posted_at: clock.now().toISOString(), author: { handle } });
  await post(m);
  const [c] = await cases(handle);
  await until(async () => (await row(c!.id)).card_ts !== null, 'the card');
  await app.triage.claim(c!.id, 'UALICE');
  return { m, id: c!.id };
}

/** Alice replies from Slack through earshot; the network gave the reply `externalId`. */
async function replyFromSlack(id: number, externalId: string) {
  const replyId = await insertReply(database.db, { mentionId: id, userId: 'UALICE', text: 'Sorry! Looking into it.', mode: 'public', destination: 'elsewhere' });
  await app.triage.recordReplySent(id, 'UALICE', { id: replyId, text: 'Sorry! Looking into it.', mode: 'public', destination: 'elsewhere', externalId });
}

describe('one case per conversation', () => {
  it('a reply to the brand\'s reply joins the case: no new card, in its thread, waiting again with the next-response deadline, same owner', async () => {
    const { m, id } = await newCase('wanda');
    clock.advance(10 * MINUTE);
    await replyFromSlack(id, `${String(m.id)}-brand`);
    clock.advance(5 * MINUTE);
    const wroteAt = clock.now();
    await post(sampleMention({ id: `${String(m.id)}-2`, text: 'Still <!channel> nothing & no refund', posted_at: wroteAt.toISOString(), in_reply_to: `${String(m.id)}-brand`, author: { handle: 'wanda' } }));
    await settle();

    const [only, ...more] = await cases('wanda');
    expect(more).toHaveLength(0);
    expect(cardsOf('wanda')).toHaveLength(1);
    expect(only).toMatchObject({ id, status: 'claimed', owner_id: 'UALICE', customer_posts: 2 });
    // The SLA bookkeeping starts again: no reminder of the new wait yet, the next look at its warning.
    expect(await database.db.selectFrom('sla_checks').select(['stage', 'next_check_at']).where('mention_id', '=', id).executeTakeFirstOrThrow()).toEqual({ stage: 0, next_check_at: new Date(wroteAt.getTime() + 45 * MINUTE) });
    expect(only!.waiting_since?.getTime()).toBe(wroteAt.getTime());
    expect(only!.sla_due_at.getTime()).toBe(wroteAt.getTime() + 60 * MINUTE);
    expect(only!.sla_warn_at.getTime()).toBe(wroteAt.getTime() + 45 * MINUTE);
    const thread = threadOf(only!.card_ts!);
    expect(thread.some((t) => t.includes('wrote again') && t.includes('Still &lt;!channel&gt; nothing &amp; no refund'))).toBe(true);
    expect(thread.join('\n')).not.toContain('<!channel>');
    expect(cardText(only!.card_ts!)).toContain('customer wrote again');
    expect(cardText(only!.card_ts!)).toContain('2 posts from the customer');
    const events = await database.db.selectFrom('mention_events').select('kind').where('mention_id', '=', id).execute();
    expect(events.map((e) => e.kind)).toContain('customer_wrote_again');
    const posts = await database.db.selectFrom('posts').select(['direction', 'via']).where('case_id', '=', id).orderBy('posted_at').execute();
    expect(posts).toEqual([{ direction: 'inbound', via: null }, { direction: 'outbound', via: 'earshot' }, { direction: 'inbound', via: null }]);
  });

  it('the same author again, not threaded, while the first answer is awaited: same case, the deadline does not move', async () => {
    const { id } = await newCase('otto');
    const before = await row(id);
    clock.advance(20 * MINUTE);
    await post(sampleMention({ text: 'hello??', posted_at: clock.now().toISOString(), author: { handle: 'OTTO' } }));
    await settle();
    const after = await row(id);
    expect((await cases('otto')).length + (await cases('OTTO')).length).toBe(1);
    expect(after.customer_posts).toBe(2);
    expect(after.sla_due_at.getTime()).toBe(before.sla_due_at.getTime());
    expect(after.waiting_since?.getTime()).toBe(before.posted_at.getTime());
    expect(threadOf(after.card_ts!).some((t) => t.includes('hello??'))).toBe(true);
  });

  it('after resolve, a reply within CASE_REOPEN_DAYS reopens the case; one after it starts a new case linked to the old card', async () => {
    const { m, id } = await newCase('rita');
    await replyFromSlack(id, `${String(m.id)}-brand`);
    await app.triage.resolve(id, 'UALICE');
    clock.advance(2 * DAY);
    await post(sampleMention({ id: `${String(m.id)}-2`, text: 'it broke again', posted_at: clock.now().toISOString(), in_reply_to: `${String(m.id)}-brand`, author: { handle: 'rita' } }));
    await settle();
    const reopened = await row(id);
    expect(reopened).toMatchObject({ status: 'claimed', owner_id: 'UALICE', reopened_count: 1, closed_at: null, customer_posts: 2 });
    expect(await cases('rita')).toHaveLength(1);

    await replyFromSlack(id, `${String(m.id)}-brand2`);
    await app.triage.resolve(id, 'UALICE');
    clock.advance(8 * DAY);
    await post(sampleMention({ id: `${String(m.id)}-3`, text: 'months later', posted_at: clock.now().toISOString(), in_reply_to: `${String(m.id)}-brand2`, author: { handle: 'rita' } }));
    await settle();
    const all = await cases('rita');
    expect(all).toHaveLength(2);
    expect(all[0]!.status).toBe('resolved');
    expect(all[1]).toMatchObject({ previous_case_id: id, status: 'new', previous_card_ts: reopened.card_ts });
    expect(cardText(all[1]!.card_ts!)).toContain('earlier card');
  });

  it('two posts of a new author in one batch make one case and one card', async () => {
    const at = clock.now().toISOString();
    const r = await post({ mentions: [sampleMention({ posted_at: at, author: { handle: 'bea' } }), sampleMention({ posted_at: at, author: { handle: 'bea' } })] });
    expect(r.accepted).toBe(2);
    await settle();
    expect(await cases('bea')).toHaveLength(1);
    expect(cardsOf('bea')).toHaveLength(1);
  });

  it('a webhook post with direction outbound and in_reply_to is the brand\'s reply: replied, clock stopped at its time, no card; one answering nothing is skipped', async () => {
    const { m, id } = await newCase('olga');
    const repliedAt = new Date(clock.now().getTime() + 12 * MINUTE);
    clock.advance(30 * MINUTE);
    const cardsBefore = slack.topLevel(TRIAGE).length;
    const r = await post({ mentions: [
      sampleMention({ id: `${String(m.id)}-page`, direction: 'outbound', in_reply_to: String(m.id), text: 'We have sent a new one', posted_at: repliedAt.toISOString(), author: { handle: 'brandpage' } }),
      sampleMention({ direction: 'outbound', in_reply_to: 'nothing-known', text: 'Hi all', posted_at: repliedAt.toISOString(), author: { handle: 'brandpage' } }),
    ] });
    // The one answering nothing known is neither stored nor a duplicate.
    expect(r).toMatchObject({ accepted: 1, duplicates: 0 });
    await settle();
    const after = await row(id);
    expect(after).toMatchObject({ status: 'replied', owner_id: 'UALICE', first_response_by: null, waiting_since: null });
    expect(after.first_response_at?.getTime()).toBe(repliedAt.getTime());
    expect(slack.topLevel(TRIAGE)).toHaveLength(cardsBefore);
    expect(await cases('brandpage')).toHaveLength(0);
    const responses = await database.db.selectFrom('case_responses').selectAll().where('case_id', '=', id).execute();
    expect(responses).toMatchObject([{ kind: 'first', via: 'outside', responder_id: null }]);
    expect(threadOf(after.card_ts!).some((t) => t.includes('outside earshot') && t.includes('We have sent a new one'))).toBe(true);
    expect(cardText(after.card_ts!)).toContain('outside earshot');
    // Sent again (a connector retry): a duplicate, nothing changes.
    const again = await post(sampleMention({ id: `${String(m.id)}-page`, direction: 'outbound', in_reply_to: String(m.id), text: 'We have sent a new one', posted_at: repliedAt.toISOString(), author: { handle: 'brandpage' } }));
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('a brand post that comes before the post it answers waits for it, and is the case\'s reply when that post arrives', async () => {
    const postedAt = clock.now();
    const repliedAt = new Date(postedAt.getTime() + 3 * MINUTE);
    const customerPost = `early-${postedAt.getTime()}`;
    const brandPost = sampleMention({ id: `${customerPost}-page`, direction: 'outbound', in_reply_to: customerPost, text: 'Sorry Pia, a new one is on its way', posted_at: repliedAt.toISOString(), author: { handle: 'brandpage' } });
    expect(await post(brandPost)).toMatchObject({ accepted: 0, duplicates: 0 });
    // Sent again while it waits: still waiting, once.
    expect(await post(brandPost)).toMatchObject({ accepted: 0, duplicates: 0 });
    const waiting = () => database.db.selectFrom('brand_posts_waiting').select(['external_id', 'in_reply_to']).where('in_reply_to', '=', customerPost).execute();
    expect(await waiting()).toEqual([{ external_id: `${customerPost}-page`, in_reply_to: customerPost }]);
    expect(await cases('pia')).toHaveLength(0);

    clock.advance(5 * MINUTE);
    expect(await post(sampleMention({ id: customerPost, text: 'my parcel is broken', posted_at: postedAt.toISOString(), author: { handle: 'pia' } }))).toMatchObject({ accepted: 1 });
    await settle();
    const [c] = await cases('pia');
    expect(c).toMatchObject({ status: 'replied', first_response_by: null, waiting_since: null });
    expect(c!.first_response_at?.getTime()).toBe(repliedAt.getTime());
    expect(await waiting()).toEqual([]);
    const responses = await database.db.selectFrom('case_responses').selectAll().where('case_id', '=', c!.id).execute();
    expect(responses).toMatchObject([{ kind: 'first', via: 'outside', responder_id: null }]);
    expect(cardsOf('pia')).toHaveLength(1);
    await until(() => cardText(c!.card_ts ?? '')?.includes('outside earshot') ?? false, 'the card shows the reply made outside earshot');
  });
});

describe('the next-response clock', () => {
  it('reminds for a next response once each (warning, overdue), keyed by the wait; stops at the brand\'s next reply', async () => {
    const { m, id } = await newCase('nina');
    await replyFromSlack(id, `${String(m.id)}-brand`);
    await app.sweepSla();
    clock.advance(10 * MINUTE);
    await post(sampleMention({ text: 'and?', posted_at: clock.now().toISOString(), author: { handle: 'nina' } }));
    const wait = (await row(id)).waiting_since!;
    clock.advance(46 * MINUTE);
    await app.sweepSla();
    await app.sweepSla();
    clock.advance(15 * MINUTE);
    await app.sweepSla();
    await app.sweepSla();
    await settle();
    const keys = (await database.db.selectFrom('slack_jobs').select('dedupe_key').where('mention_id', '=', id).where('dedupe_key', 'like', 'reminder:%').orderBy('id').execute()).map((j) => j.dedupe_key);
    expect(keys).toEqual([`reminder:${id}:w${wait.getTime()}:warning:1`, `reminder:${id}:w${wait.getTime()}:overdue:1`]);
    const overdue = await database.db.selectFrom('slack_jobs').select('payload').where('dedupe_key', '=', `reminder:${id}:w${wait.getTime()}:overdue:1`).executeTakeFirstOrThrow();
    expect(String(overdue.payload.text)).toContain('has waited 61 min for the next reply since writing again');

    await replyFromSlack(id, `${String(m.id)}-brand2`);
    clock.advance(40 * MINUTE);
    await app.sweepSla();
    const after = (await database.db.selectFrom('slack_jobs').select('dedupe_key').where('mention_id', '=', id).where('dedupe_key', 'like', 'reminder:%').execute()).map((j) => j.dedupe_key);
    expect(after.filter((k) => !k?.includes('follow_up'))).toHaveLength(2);
    const responses = await database.db.selectFrom('case_responses').select(['kind', 'via']).where('case_id', '=', id).orderBy('id').execute();
    expect(responses).toEqual([{ kind: 'first', via: 'earshot' }, { kind: 'next', via: 'earshot' }]);
  });

  it('a quiet case answered by the brand is resolved by earshot after CASE_IDLE_DAYS, with an audit row and a thread line', async () => {
    const { m, id } = await newCase('quinn');
    await replyFromSlack(id, `${String(m.id)}-brand`);
    clock.advance(8 * DAY);
    const r = await app.sweepSla();
    expect(r?.idleResolved).toContain(id);
    await settle();
    const after = await row(id);
    expect(after).toMatchObject({ status: 'resolved', closed_by: null });
    const ev = await database.db.selectFrom('mention_events').selectAll().where('mention_id', '=', id).where('kind', '=', 'resolved').executeTakeFirstOrThrow();
    expect(ev.details).toMatchObject({ reason: 'idle' });
    expect(threadOf(after.card_ts!).some((t) => t.includes('Resolved by earshot'))).toBe(true);
  });
});

describe.skipIf(!usingServer)('two replicas on one Postgres', () => {
  it('concurrent first posts of one new author on two instances make exactly one case and one card', async () => {
    const db2 = await tdb.open();
    const app2 = await startTestApp({ slack, database: db2, clock });
    try {
      for (let round = 0; round < 5; round++) {
        const handle = `twin${round}`;
        const at = clock.now().toISOString();
        await Promise.all([
          post(sampleMention({ posted_at: at, author: { handle } }), app),
          post(sampleMention({ posted_at: at, author: { handle } }), app2),
          post(sampleMention({ posted_at: at, author: { handle } }), app2),
        ]);
        const all = await cases(handle);
        expect(all).toHaveLength(1);
        expect(all[0]!.customer_posts).toBe(3);
      }
      await settle();
      for (let round = 0; round < 5; round++) expect(cardsOf(`twin${round}`)).toHaveLength(1);
    } finally {
      await app2.stop();
      await db2.close();
    }
  });
});
