import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { MentionRow } from '../../src/db/schema.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../support/app.js';
import { addBrandPost, addCustomerPost } from '../support/cases.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { waitForCards, xEnv } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

// A reply from the card answers the customer's latest post of the case, not the first one.

let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database, env: xEnv(fake, {}, { user: true }), extra: { x: { manual: true } } });
  slack.setChannelMembers(TRIAGE, ['UALICE']);
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});

async function caseFromX(text: string, author: { id: string; username: string }): Promise<MentionRow> {
  fake.addUser({ ...author, followers: 10 });
  const post = fake.addPost({ text, authorId: author.id });
  await app.x.pollNow();
  await waitForCards(slack, database, [post.id]);
  return database.db.selectFrom('mentions').selectAll().where('source', '=', 'x').where('external_id', '=', post.id).executeTakeFirstOrThrow();
}

/** The customer writes again (on the fake X, and as a post of the case), after the brand answered on X. */
async function followUp(m: MentionRow, text: string, at: Date) {
  const brand = await addBrandPost(database.db, m.id, { via: 'outside', postedAt: new Date(at.getTime() - 60_000), inReplyTo: m.external_id });
  const onX = fake.addPost({ text, authorId: m.author_external_id! });
  await addCustomerPost(database.db, m.id, { externalId: onX.id, text, postedAt: at, inReplyTo: brand.external_id });
  // A later brand post is not what the reply answers: the customer's latest post is.
  await addBrandPost(database.db, m.id, { via: 'outside', postedAt: new Date(at.getTime() + 1000), text: 'Looking.' });
  return onX;
}

async function reply(m: MentionRow, text: string, mode: 'public' | 'dm') {
  const before = slack.views.opened.length;
  await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
  await slack.waitFor(() => slack.views.opened.length > before, PATIENT_MS, 'reply modal');
  const opened = slack.views.opened.at(-1) as any;
  const view = opened.view ?? opened;
  const r = await app.interact(
    viewSubmission({
      user: 'UALICE',
      callbackId: VIEW.reply,
      privateMetadata: view.private_metadata,
      values: {
        [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: text } },
        [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: mode } } },
      },
    }),
  );
  expect(r.status).toBe(200);
  return view as { blocks: unknown[] };
}

describe('replying to a conversation on X', () => {
  it('a public reply goes under the customer’s latest post (in_reply_to_tweet_id)', async () => {
    const m = await caseFromX('@acme my order never came', { id: '9101', username: 'kim' });
    const latest = await followUp(m, '@acme still nothing, two days later', new Date(m.posted_at.getTime() + 3_600_000));
    const view = await reply(m, 'Kim, it left our warehouse today.', 'public');
    // The modal showed the conversation, oldest first, the brand's posts included.
    const shown = JSON.stringify(view.blocks);
    const order = ['my order never came', 'outside earshot', 'still nothing, two days later', 'Looking.'].map((s) => shown.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(shown).toContain('your reply answers this');
    await slack.waitFor(() => fake.tweets.some((t) => t.text === 'Kim, it left our warehouse today.'), PATIENT_MS, 'the reply on X');
    const sent = fake.tweets.find((t) => t.text === 'Kim, it left our warehouse today.')!;
    expect(sent.inReplyToTweetId).toBe(latest.id);
    expect(sent.inReplyToTweetId).not.toBe(m.external_id);
  });

  it('a case with no posts rows answers its own first post', async () => {
    const m = await caseFromX('@acme hello?', { id: '9102', username: 'lou' });
    await database.db.deleteFrom('posts').where('case_id', '=', m.id).execute();
    await reply(m, 'Hi Lou, how can we help?', 'public');
    await slack.waitFor(() => fake.tweets.some((t) => t.text === 'Hi Lou, how can we help?'), PATIENT_MS, 'the reply on X');
    expect(fake.tweets.find((t) => t.text === 'Hi Lou, how can we help?')!.inReplyToTweetId).toBe(m.external_id);
  });

  it('a direct message goes to the author of the latest post', async () => {
    const m = await caseFromX('@acme I was charged twice', { id: '9103', username: 'mo' });
    fake.addUser({ id: '9104', username: 'mo_work', followers: 1 });
    // The same customer writing from the id X gives the latest post (as stored with it).
    const onX = fake.addPost({ text: '@acme here is my order number', authorId: '9104' });
    await addCustomerPost(database.db, m.id, { externalId: onX.id, authorExternalId: '9104', postedAt: new Date(m.posted_at.getTime() + 60_000) });
    await reply(m, 'Thanks Mo, refund on its way.', 'dm');
    await slack.waitFor(() => fake.dms.some((d) => d.text === 'Thanks Mo, refund on its way.'), PATIENT_MS, 'the DM');
    expect(fake.dms.find((d) => d.text === 'Thanks Mo, refund on its way.')!.participantId).toBe('9104');
  });
});
