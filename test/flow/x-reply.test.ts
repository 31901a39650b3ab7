import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { MentionRow } from '../../src/db/schema.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { SteppingClock } from '../support/clock.js';
import { PATIENT_MS } from '../support/patience.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { waitForCards, xEnv } from '../support/x.js';

let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
const clock = new SteppingClock();

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database, clock, env: xEnv(fake, {}, { user: true }), extra: { x: { manual: true } } });
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});
beforeEach(() => {
  slack.setChannelMembers(TRIAGE, ['UALICE']);
});

async function mentionFromX(text: string, author = { id: '9001', username: 'dana', followers: 300 }): Promise<MentionRow> {
  fake.addUser(author);
  const post = fake.addPost({ text, authorId: author.id });
  await app.x.pollNow();
  await waitForCards(slack, database, [post.id]);
  return database.db.selectFrom('mentions').selectAll().where('source', '=', 'x').where('external_id', '=', post.id).executeTakeFirstOrThrow();
}

async function openReply(m: MentionRow): Promise<{ privateMetadata: string; view: any }> {
  const before = slack.views.opened.length;
  await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
  await slack.waitFor(() => slack.views.opened.length > before, PATIENT_MS, 'reply modal');
  const opened = slack.views.opened.at(-1) as any;
  const view = opened.view ?? opened;
  return { privateMetadata: view.private_metadata, view };
}

function submit(privateMetadata: string, text: string, mode: 'public' | 'dm') {
  return app.interact(
    viewSubmission({
      user: 'UALICE',
      callbackId: VIEW.reply,
      privateMetadata,
      values: {
        [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: text } },
        [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: mode } } },
      },
    }),
  );
}

const row = (id: number) => database.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('replying on X from Slack', () => {
  it('a public reply reaches X under the post (in_reply_to_tweet_id) and the card thread links to it', async () => {
    const m = await mentionFromX('@acme where is my refund?');
    const { privateMetadata, view } = await openReply(m);
    expect(JSON.stringify(view.blocks)).toContain('Sent on X as @acme');
    expect(view.submit.text).toBe('Send reply');
    const tweets = fake.tweets.length;
    const r = await submit(privateMetadata, 'Sorry Dana! We have sent it today.', 'public');
    expect(r.status).toBe(200);
    await slack.waitFor(() => fake.tweets.length === tweets + 1, PATIENT_MS, 'the reply on X');
    const tweet = fake.tweets.at(-1)!;
    expect(tweet).toMatchObject({ text: 'Sorry Dana! We have sent it today.', inReplyToTweetId: m.external_id });
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes(`https://x.com/acme/status/${tweet.id}`)), PATIENT_MS, 'thread line with the link');
    const after = await row(m.id);
    expect(after.status).toBe('replied');
    expect(after.first_response_at).not.toBeNull();
    const reply = await database.db.selectFrom('replies').selectAll().where('mention_id', '=', m.id).executeTakeFirstOrThrow();
    expect(reply).toMatchObject({ destination: 'x', status: 'sent', external_id: tweet.id, external_url: `https://x.com/acme/status/${tweet.id}` });
  });

  it('a direct message goes to the post’s author', async () => {
    const m = await mentionFromX('@acme I need to give you my address', { id: '9002', username: 'erin', followers: 12 });
    const { privateMetadata } = await openReply(m);
    const dms = fake.dms.length;
    await submit(privateMetadata, 'Hi Erin, send it here please.', 'dm');
    await slack.waitFor(() => fake.dms.length === dms + 1, PATIENT_MS, 'the DM');
    expect(fake.dms.at(-1)).toMatchObject({ participantId: '9002', text: 'Hi Erin, send it here please.' });
    await expect.poll(async () => (await row(m.id)).status, { timeout: PATIENT_MS }).toBe('replied');
  });

  it('a refused reply leaves the mention unanswered and tells the person why, with Edit and retry', async () => {
    const m = await mentionFromX('@acme this is outrageous', { id: '9003', username: 'fran', followers: 50_000 });
    fake.deletePost(m.external_id);
    const { privateMetadata } = await openReply(m);
    const before = slack.ephemerals.length;
    await submit(privateMetadata, 'We are so sorry, Fran.', 'public');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'the ephemeral');
    const told = slack.ephemerals.at(-1)!;
    expect(told.user).toBe('UALICE');
    expect(told.text).toContain('was deleted or is no longer visible');
    expect(JSON.stringify(told.blocks)).toContain('Edit and retry');
    const after = await row(m.id);
    expect(after.status).toBe('new');
    expect(after.first_response_at).toBeNull();
    const failed = await database.db.selectFrom('replies').selectAll().where('mention_id', '=', m.id).executeTakeFirstOrThrow();
    expect(failed.status).toBe('failed');
    expect(fake.tweets.some((t) => t.inReplyToTweetId === m.external_id)).toBe(false);

    // Edit and retry opens the modal with the typed text kept.
    const opened = slack.views.opened.length;
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.retryReply, value: String(failed.id), channel: TRIAGE }));
    await slack.waitFor(() => slack.views.opened.length > opened, PATIENT_MS, 'the retry modal');
    expect(JSON.stringify(slack.views.opened.at(-1))).toContain('We are so sorry, Fran.');
  });

  it('duplicate content is refused with X’s reason; a DM refusal too', async () => {
    const a = await mentionFromX('@acme first', { id: '9004', username: 'gus', followers: 1 });
    await submit((await openReply(a)).privateMetadata, 'Thanks for reaching out!', 'public');
    await slack.waitFor(() => fake.tweets.some((t) => t.inReplyToTweetId === a.external_id), PATIENT_MS, 'first reply');
    const b = await mentionFromX('@acme second', { id: '9005', username: 'hal', followers: 1 });
    let before = slack.ephemerals.length;
    await submit((await openReply(b)).privateMetadata, 'Thanks for reaching out!', 'public');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'duplicate refusal');
    expect(slack.ephemerals.at(-1)!.text).toContain('duplicate');
    expect((await row(b.id)).status).toBe('new');

    fake.refuseDms('9005');
    before = slack.ephemerals.length;
    await submit((await openReply(b)).privateMetadata, 'Can we talk in private?', 'dm');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'DM refusal');
    expect(slack.ephemerals.at(-1)!.text).toContain('does not accept direct messages');
    expect((await row(b.id)).status).toBe('new');
  });

  it('a 429 on posting: the person is told when it resets, and nothing more is sent to X before then', async () => {
    const m = await mentionFromX('@acme anyone there?', { id: '9007', username: 'jun', followers: 1 });
    fake.exhaust('tweet', 60);
    // Afterwards, past the window's reset for X and for the app, so the tests after this one may post.
    onTestFinished(() => {
      clock.advance(5 * 60_000);
      fake.resetRateLimits();
    });
    let before = slack.ephemerals.length;
    await submit((await openReply(m)).privateMetadata, 'Yes, we are here!', 'public');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'rate-limit refusal');
    expect(slack.ephemerals.at(-1)!.text).toMatch(/rate limit .* resets at \d\d:\d\d UTC/);
    const calls = fake.requestsTo('tweet').length;
    before = slack.ephemerals.length;
    await submit((await openReply(m)).privateMetadata, 'Yes, we are here! (2)', 'public');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'second refusal');
    expect(slack.ephemerals.at(-1)!.text).toMatch(/used up until \d\d:\d\d UTC; nothing was sent/);
    expect(fake.requestsTo('tweet')).toHaveLength(calls);
    expect((await row(m.id)).status).toBe('new');
  });

  it('a public reply over 280 characters is stopped in the modal', async () => {
    const m = await mentionFromX('@acme long story', { id: '9006', username: 'ivy', followers: 1 });
    const r = await submit((await openReply(m)).privateMetadata, 'x'.repeat(281), 'public');
    expect(JSON.parse(r.body)).toMatchObject({ response_action: 'errors' });
    expect(r.body).toContain('280');
  });

  it('X text with &amp; &lt; shows as written: once-escaped on the card and in the Reply modal, raw in the CSV', async () => {
    // The fake sends `Q&amp;A &lt;3`, as X does.
    const m = await mentionFromX('@acme Q&A <3 tonight?', { id: '9008', username: 'kit', followers: 1 });
    expect(m.text).toBe('@acme Q&A <3 tonight?');
    const card = JSON.stringify(slack.topLevel(TRIAGE).find((c) => c.ts === m.card_ts)!.blocks);
    // Slack renders `&amp;` as `&` and `&lt;` as `<`: escaped exactly once.
    expect(card).toContain('Q&amp;A &lt;3');
    expect(card).not.toContain('&amp;amp;');
    expect(card).not.toContain('&amp;lt;');
    const { view } = await openReply(m);
    const modal = JSON.stringify(view.blocks);
    expect(modal).toContain('Q&amp;A &lt;3');
    expect(modal).not.toContain('&amp;amp;');
    const id = `x-entities-${Date.now()}`;
    await app.command({ user: 'UALICE', text: 'export 24h', responseUrl: slack.responseUrl(id) });
    await slack.waitFor(() => slack.responses(id).length >= 2, PATIENT_MS, 'the export');
    const csv = slack.uploads.at(-1)!.content.toString('utf8');
    expect(csv).toContain('@acme Q&A <3 tonight?');
    expect(csv).not.toContain('&amp;');
  });

  it('a mention that only says source x (not read from X) never calls X, and a bad X id never reaches a URL', async () => {
    const calls = () => fake.requestsTo('tweet').length + fake.dms.length;
    const before = calls();
    // A row as the webhook could write it before native sources were refused.
    const posted = new Date();
    const ins = await database.db
      .insertInto('mentions')
      .values({
        source: 'x',
        external_id: '1/../../2/tweets',
        text: 'forged',
        author_external_id: '1/../../../2/users/me',
        author_handle: 'forger',
        posted_at: posted,
        sla_warn_at: posted,
        sla_due_at: posted,
        raw: JSON.stringify({ source: 'x', id: '1/../../2/tweets' }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const meta = JSON.stringify({ mentionId: ins.id, channel: TRIAGE });
    await submit(meta, 'free stuff for everyone', 'public');
    await submit(meta, 'free stuff for everyone', 'dm');
    await app.handlers.idle();
    expect(calls()).toBe(before);
    expect(fake.tweets.some((t) => t.text === 'free stuff for everyone')).toBe(false);
  });
});
