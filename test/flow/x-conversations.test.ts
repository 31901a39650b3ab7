/**
 * Conversations on X end to end: the real app against the fake X and fake Slack. A brand reply
 * made directly on X, read from the brand's own timeline, is the case's reply at the time X
 * says; one sent from Slack through earshot is known when the timeline shows it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitForCards, xEnv } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

const MINUTE = 60_000;
let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database, env: xEnv(fake, {}, { user: true }), extra: { x: { manual: true } } });
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});

const caseOf = (postId: string) => database.db.selectFrom('mentions').selectAll().where('source', '=', 'x').where('external_id', '=', postId).executeTakeFirstOrThrow();

async function settle(): Promise<void> {
  const end = Date.now() + PATIENT_MS;
  for (;;) {
    const r = await database.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    if (Number(r.n) === 0 && app.queue.busy === 0) return;
    if (Date.now() > end) throw new Error('timed out waiting for the card queue');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a reply made directly on X', () => {
  it('read from the brand\'s timeline: the case shows replied, first response at the X post\'s time, no reminder after it, never a card', async () => {
    fake.addUser({ id: '9101', username: 'erin', followers: 50 });
    const ask = fake.addPost({ text: '@acme my parcel is lost', authorId: '9101', createdAt: new Date(Date.now() - 50 * MINUTE) });
    await app.x.pollNow();
    await waitForCards(slack, database, [ask.id]);
    const repliedAt = new Date(Date.now() - 40 * MINUTE);
    const reply = fake.addBrandPost({ text: '@erin so sorry, DM us your order number', inReplyTo: ask.id, createdAt: repliedAt });
    const cards = slack.topLevel(TRIAGE).length;
    await app.x.pollNow();
    await settle();

    const c = await caseOf(ask.id);
    expect(c).toMatchObject({ status: 'replied', waiting_since: null, first_response_by: null });
    expect(c.first_response_at?.getTime()).toBe(repliedAt.getTime());
    expect(slack.topLevel(TRIAGE)).toHaveLength(cards);
    const brand = await database.db.selectFrom('posts').selectAll().where('source', '=', 'x').where('external_id', '=', reply.id).executeTakeFirstOrThrow();
    expect(brand).toMatchObject({ case_id: c.id, direction: 'outbound', via: 'outside', in_reply_to: ask.id });

    // 50 minutes after the post the warning would be due; answered, nothing is sent.
    await app.sweepSla();
    const reminders = await database.db.selectFrom('slack_jobs').select('dedupe_key').where('mention_id', '=', c.id).where('dedupe_key', 'like', 'reminder:%').execute();
    expect(reminders.filter((r) => !r.dedupe_key?.includes('follow_up'))).toHaveLength(0);

    // The customer answers the brand's reply: the same case, waiting again.
    const again = fake.addPost({ text: '@acme done, still nothing', authorId: '9101', referencedTweets: [{ type: 'replied_to', id: reply.id }] });
    await app.x.pollNow();
    await settle();
    const after = await caseOf(ask.id);
    expect(after).toMatchObject({ id: c.id, customer_posts: 2, status: 'new' });
    expect(after.waiting_since).not.toBeNull();
    const joined = await database.db.selectFrom('posts').select('case_id').where('external_id', '=', again.id).executeTakeFirstOrThrow();
    expect(joined.case_id).toBe(c.id);
    expect(slack.topLevel(TRIAGE)).toHaveLength(cards);
  });
});
