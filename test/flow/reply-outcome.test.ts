import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { MentionRow } from '../../src/db/schema.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { waitForCards, xEnv } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

// A reply X accepted is recorded whatever happens next, and is posted once per submission.

let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
let authors = 7000;

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
beforeEach(() => {
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
});

async function mentionFromX(text: string): Promise<MentionRow> {
  const author = { id: String(++authors), username: `cust${authors}`, followers: 10 };
  fake.addUser(author);
  const post = fake.addPost({ text, authorId: author.id });
  await app.x.pollNow();
  await waitForCards(slack, database, [post.id]);
  return database.db.selectFrom('mentions').selectAll().where('source', '=', 'x').where('external_id', '=', post.id).executeTakeFirstOrThrow();
}

async function openReply(m: MentionRow, user = 'UALICE'): Promise<string> {
  const before = slack.views.opened.length;
  await app.interact(blockAction({ user, actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
  await slack.waitFor(() => slack.views.opened.length > before, PATIENT_MS, 'reply modal');
  const opened = slack.views.opened.at(-1) as any;
  return (opened.view ?? opened).private_metadata;
}

function submission(privateMetadata: string, text: string, opts: { user?: string; viewId?: string; hash?: string; block?: string } = {}) {
  return viewSubmission({
    user: opts.user ?? 'UALICE',
    callbackId: VIEW.reply,
    privateMetadata,
    viewId: opts.viewId,
    hash: opts.hash,
    values: {
      [opts.block ?? `${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: text } },
      [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: 'public' } } },
    },
  });
}

const repliesTo = (m: MentionRow) => fake.tweets.filter((t) => t.inReplyToTweetId === m.external_id);
const replyRows = (id: number) => database.db.selectFrom('replies').selectAll().where('mention_id', '=', id).orderBy('id').execute();
const mention = (id: number) => database.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
/** What `user` was told, from ephemeral number `since` on (the fake Slack is shared by the tests, run in any order). */
const toldTo = (user: string, since = 0) => slack.ephemerals.slice(since).filter((e) => e.user === user);

/**
 * A real database fault on the first write that marks one mention's reply sent (the write right
 * after X accepted the post). The sequence is outside the failing transaction, so it fires once.
 */
async function onFirstSentWrite(mentionId: number, action: 'fail' | 'close'): Promise<() => Promise<void>> {
  const name = `reply_fault_${mentionId}`;
  const body =
    action === 'fail'
      ? `raise exception 'injected fault: the database refused the write'`
      : `update mentions set status = 'closed_no_reply', closed_at = now(), closed_by = 'UCAROL', close_kind = 'no_reply_needed' where id = ${mentionId}`;
  await sql.raw(`create sequence ${name}`).execute(database.db);
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$
       begin
         if new.mention_id = ${mentionId} and new.status = 'sent' and old.status <> 'sent' then
           if nextval('${name}') = 1 then ${body}; end if;
         end if;
         return new;
       end $$`,
    )
    .execute(database.db);
  await sql.raw(`create trigger ${name} before update on replies for each row execute function ${name}()`).execute(database.db);
  return async () => {
    await sql.raw(`drop trigger ${name} on replies`).execute(database.db);
    await sql.raw(`drop function ${name}()`).execute(database.db);
    await sql.raw(`drop sequence ${name}`).execute(database.db);
  };
}

describe('a reply’s outcome is never lost or doubled', () => {
  it('X accepted the post and the next database write failed once: recorded, the person gets the link, a retried submission posts nothing', async () => {
    const m = await mentionFromX('@acme my order never came');
    const meta = await openReply(m);
    const undo = await onFirstSentWrite(m.id, 'fail');
    try {
      const payload = submission(meta, 'So sorry! A new one ships today.', { viewId: 'VRETRY1', hash: 'h1' });
      const since = slack.ephemerals.length;
      expect((await app.interact(payload)).status).toBe(200);
      await slack.waitFor(() => toldTo('UALICE', since).some((e) => (e.text ?? '').includes('Your reply was posted')), PATIENT_MS, 'the posted note');
      expect(repliesTo(m)).toHaveLength(1);
      const tweet = repliesTo(m)[0]!;
      const note = toldTo('UALICE', since).find((e) => (e.text ?? '').includes('Your reply was posted'))!;
      expect(note.text).toContain(`https://x.com/acme/status/${tweet.id}`);
      expect(note.text).not.toContain('not sent');
      const rows = await replyRows(m.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'sent', external_id: tweet.id, external_url: `https://x.com/acme/status/${tweet.id}` });
      expect((await mention(m.id)).status).toBe('replied');

      // Slack retries the same request (same view id and hash): nothing new goes to X.
      const calls = fake.requestsTo('tweet').length;
      const told = slack.ephemerals.length;
      expect((await app.interact(payload)).status).toBe(200);
      // The retry was acked at once; what it does is done when the app has no handler running.
      await app.handlers.idle();
      await expect.poll(async () => (await replyRows(m.id)).length, { timeout: PATIENT_MS }).toBe(1);
      expect(fake.requestsTo('tweet')).toHaveLength(calls);
      expect(repliesTo(m)).toHaveLength(1);
      expect(slack.ephemerals.slice(told).some((e) => (e.text ?? '').includes('not sent'))).toBe(false);
    } finally {
      await undo();
    }
  });

  it('the mention was closed while the reply went out: the reply is recorded as the brand’s, the status stays closed, the person gets the link', async () => {
    const m = await mentionFromX('@acme never mind, found it');
    const meta = await openReply(m);
    const undo = await onFirstSentWrite(m.id, 'close');
    try {
      const since = slack.ephemerals.length;
      await app.interact(submission(meta, 'Glad you found it!'));
      await slack.waitFor(() => toldTo('UALICE', since).some((e) => (e.text ?? '').includes('closed meanwhile')), PATIENT_MS, 'the closed note');
      const tweet = repliesTo(m)[0]!;
      expect(toldTo('UALICE', since).find((e) => (e.text ?? '').includes('closed meanwhile'))!.text).toContain(`https://x.com/acme/status/${tweet.id}`);
      expect((await mention(m.id)).status).toBe('closed_no_reply');
      expect(await replyRows(m.id)).toMatchObject([{ status: 'sent', external_id: tweet.id }]);
      const event = await database.db.selectFrom('mention_events').selectAll().where('mention_id', '=', m.id).where('kind', '=', 'replied_after_close').executeTakeFirst();
      expect(event).toMatchObject({ actor_id: 'UALICE', to_status: 'closed_no_reply' });
      await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('replied after it was closed')), PATIENT_MS, 'the thread line');
    } finally {
      await undo();
    }
  });

  it('a double click posts once', async () => {
    const m = await mentionFromX('@acme hello?');
    const meta = await openReply(m);
    const payload = submission(meta, 'Hello! How can we help?', { viewId: 'VDOUBLE', hash: 'h1' });
    fake.setLatency(200);
    const since = slack.ephemerals.length;
    try {
      await Promise.all([app.interact(payload), app.interact(payload)]);
      await expect.poll(async () => (await replyRows(m.id)).map((r) => r.status), { timeout: PATIENT_MS }).toEqual(['sent']);
      await app.handlers.idle();
    } finally {
      fake.setLatency(0);
    }
    expect(repliesTo(m)).toHaveLength(1);
    expect(toldTo('UALICE', since).some((e) => (e.text ?? '').includes('not sent'))).toBe(false);
  });

  it('someone replied after the modal opened: the second responder sees their text and may send anyway', async () => {
    const m = await mentionFromX('@acme is the shop open on Sunday?');
    const bobMeta = await openReply(m, 'UBOB');
    const aliceMeta = await openReply(m, 'UALICE');
    await app.interact(submission(aliceMeta, 'Yes, 10 to 4!'));
    await expect.poll(async () => (await replyRows(m.id)).map((r) => r.status), { timeout: PATIENT_MS }).toEqual(['sent']);

    const r = await app.interact(submission(bobMeta, 'We are open on Sundays.', { user: 'UBOB' }));
    const answer = JSON.parse(r.body);
    expect(answer.response_action).toBe('update');
    expect(answer.view.submit.text).toBe('Send anyway');
    const shown = JSON.stringify(answer.view.blocks);
    expect(shown).toContain('<@UALICE> already replied');
    expect(shown).toContain('Yes, 10 to 4!');
    expect(shown).toContain('We are open on Sundays.');
    expect(repliesTo(m)).toHaveLength(1);

    // Bob decides to send his as well.
    const block = answer.view.blocks.find((b: any) => String(b.block_id).startsWith(INPUT.replyText.block)).block_id;
    await app.interact(submission(answer.view.private_metadata, 'We are open on Sundays.', { user: 'UBOB', block }));
    await slack.waitFor(() => repliesTo(m).length === 2, PATIENT_MS, 'Bob’s reply on X');
    expect(repliesTo(m).map((t) => t.text)).toEqual(['Yes, 10 to 4!', 'We are open on Sundays.']);
  });

  it('two responders at the same moment: one reply goes out, the other is told who replied, with the text', async () => {
    const m = await mentionFromX('@acme can I change my address?');
    const [bobMeta, aliceMeta] = [await openReply(m, 'UBOB'), await openReply(m, 'UALICE')];
    fake.setLatency(300);
    const since = slack.ephemerals.length;
    let answers;
    try {
      answers = await Promise.all([
        app.interact(submission(aliceMeta, 'Sure, DM us the new one.')),
        app.interact(submission(bobMeta, 'Yes! Send it to us privately.', { user: 'UBOB' })),
      ]);
      await expect
        .poll(async () => {
          const rows = await replyRows(m.id);
          return rows.some((r) => r.status === 'sent') && !rows.some((r) => r.status === 'sending');
        }, { timeout: PATIENT_MS })
        .toBe(true);
    } finally {
      fake.setLatency(0);
    }
    expect(repliesTo(m)).toHaveLength(1);
    const winner = repliesTo(m)[0]!.text === 'Sure, DM us the new one.' ? 'UALICE' : 'UBOB';
    const loser = winner === 'UALICE' ? 'UBOB' : 'UALICE';
    const loserAnswer = answers[winner === 'UALICE' ? 1 : 0]!;
    const updated = loserAnswer.body.includes('"response_action":"update"');
    if (!updated) {
      await slack.waitFor(() => toldTo(loser, since).some((e) => (e.text ?? '').includes(`<@${winner}>`)), PATIENT_MS, 'the loser is told');
      expect(toldTo(loser, since).at(-1)!.text).toContain(repliesTo(m)[0]!.text);
      expect(JSON.stringify(toldTo(loser, since).at(-1)!.blocks)).toContain('Edit and send anyway');
    } else {
      expect(loserAnswer.body).toContain(repliesTo(m)[0]!.text);
    }
  });
});

describe('reply length and cost as X counts them', () => {
  it('a long link counts 23: a reply over 280 string characters but within X’s count goes out', async () => {
    const m = await mentionFromX('@acme where can I read the policy?');
    const text = `${'Here you go. '.repeat(19)}https://example.com/help/refunds/${'policy-'.repeat(10)}`;
    expect(text.length).toBeGreaterThan(280);
    const r = await app.interact(submission(await openReply(m), text));
    expect(r.body).not.toContain('errors');
    await slack.waitFor(() => repliesTo(m).length === 1, PATIENT_MS, 'the reply on X');
  });

  it('CJK characters count 2: the modal says how far over it is', async () => {
    const m = await mentionFromX('@acme 配送はいつですか');
    const r = await app.interact(submission(await openReply(m), '明'.repeat(150)));
    const answer = JSON.parse(r.body);
    expect(answer.response_action).toBe('errors');
    expect(Object.values(answer.errors).join(' ')).toContain('this one is 300, 20 over');
    expect(repliesTo(m)).toHaveLength(0);
  });

  it('the modal says before sending that a reply with a link costs more on X', async () => {
    const m = await mentionFromX('@acme any news?');
    await openReply(m);
    const opened = slack.views.opened.at(-1) as any;
    expect(JSON.stringify((opened.view ?? opened).blocks)).toContain('A reply with a link costs more to post on X');
  });
});
