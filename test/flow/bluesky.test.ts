import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { FAKE_BSKY_BRAND, startFakeBluesky, type FakeBluesky } from '../fakes/bluesky-server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { blueskyEnv, metricValue, openReply, readyCheck, submitReply, waitForCard } from '../support/networks.js';
import { cardsByMention } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let fake: FakeBluesky;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

const start = () => startTestApp({ slack, database, env: blueskyEnv(fake), extra: { bluesky: { manual: true, loginGapMs: 0 } } });

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeBluesky(), createTestDatabase()]);
  database = await tdb.open();
  app = await start();
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

const brandReplies = () => fake.posts.filter((p) => p.author.did === FAKE_BSKY_BRAND.did && p.record.reply);

describe('Bluesky, end to end', () => {
  it('a mention becomes a card after one poll; /readyz and /metrics show the source', async () => {
    const p = fake.post({ handle: 'jane.bsky.social', displayName: 'Jane *Doe*', followers: 420, text: '@brand.bsky.social my order <#123> never arrived' });
    await app.bluesky.pollNow();
    const m = await waitForCard(slack, database, 'bluesky', p.uri);
    expect(m).toMatchObject({ author_handle: 'jane.bsky.social', author_followers: 420, url: `https://bsky.app/profile/jane.bsky.social/post/${p.uri.split('/').at(-1)!}` });
    const card = slack.topLevel(TRIAGE).find((c) => c.ts === m.card_ts)!;
    // The customer's text reaches Slack escaped once: no channel link, no bold.
    expect(JSON.stringify(card.blocks)).toContain('&lt;#123&gt;');
    expect(await readyCheck(app, 'bluesky')).toMatchObject({ ok: true, required: false, detail: expect.stringContaining('@brand.bsky.social') });
    expect(await metricValue(app, 'earshot_source_requests_total', { source: 'bluesky', endpoint: 'app.bsky.notification.listNotifications', status: '200' })).toBeGreaterThan(0);
    expect(await metricValue(app, 'earshot_mentions_ingested_total', { source: 'bluesky' })).toBeGreaterThan(0);
  });

  it('a reply typed in Slack is posted as the brand under the post, in its thread (reply.root/parent)', async () => {
    const root = fake.post({ handle: 'omar.bsky.social', text: '@brand.bsky.social the app logs me out' });
    await app.bluesky.pollNow();
    const first = await waitForCard(slack, database, 'bluesky', root.uri);
    const { privateMetadata, view } = await openReply(app, slack, first);
    expect(JSON.stringify(view.blocks)).toContain('Posted on Bluesky as @brand.bsky.social');
    await submitReply(app, privateMetadata, 'Sorry Omar, which version are you on?', 'public');
    await slack.waitFor(() => brandReplies().some((b) => b.record.reply?.parent.uri === root.uri), PATIENT_MS, 'the reply on Bluesky');
    const answer = brandReplies().find((b) => b.record.reply?.parent.uri === root.uri)!;
    expect(answer.record).toMatchObject({ text: 'Sorry Omar, which version are you on?', reply: { root: { uri: root.uri, cid: root.cid }, parent: { uri: root.uri, cid: root.cid } } });
    await expect.poll(async () => (await database.db.selectFrom('replies').selectAll().where('mention_id', '=', first.id).executeTakeFirst())?.status, { timeout: PATIENT_MS }).toBe('sent');
    const reply = await database.db.selectFrom('replies').selectAll().where('mention_id', '=', first.id).executeTakeFirstOrThrow();
    expect(reply).toMatchObject({ destination: 'bluesky', external_id: answer.uri, external_url: `https://bsky.app/profile/brand.bsky.social/post/${answer.uri.split('/').at(-1)!}` });
    await slack.waitFor(() => slack.thread(TRIAGE, first.card_ts!).some((t) => (t.text ?? '').includes('publicly on Bluesky')), PATIENT_MS, 'the thread line');

    // The customer answers in the thread; a reply to that answer keeps the thread's root.
    const followUp = fake.post({ handle: 'omar.bsky.social', text: 'version 4.2', replyTo: { uri: answer.uri, cid: answer.cid, root: { uri: root.uri, cid: root.cid } } });
    await app.bluesky.pollNow();
    // It joins the case of the first post (it answers the brand's reply): a post of that case, no card of its own.
    const row = await database.db.selectFrom('posts').selectAll().where('source', '=', 'bluesky').where('external_id', '=', followUp.uri).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ case_id: first.id, direction: 'inbound', in_reply_to: answer.uri });
    expect(row.raw).toMatchObject({ record: { reply: { root: { uri: root.uri }, parent: { uri: answer.uri } } } });
    expect(await database.db.selectFrom('mentions').select('id').where('external_id', '=', followUp.uri).executeTakeFirst()).toBeUndefined();
    await slack.waitFor(() => slack.thread(TRIAGE, first.card_ts!).some((t) => (t.text ?? '').includes('version 4.2')), PATIENT_MS, 'the follow-up in the card thread');
    const c = await database.db.selectFrom('mentions').select(['customer_posts', 'waiting_since', 'owner_id']).where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(c.customer_posts).toBe(2);
    expect(c.waiting_since).not.toBeNull();
  });

  it('a reply the brand posted in the Bluesky app (its feed) answers the case: replied, no card of its own', async () => {
    const q = fake.post({ handle: 'lea.bsky.social', text: '@brand.bsky.social is the shop open on Sunday?' });
    await app.bluesky.pollNow();
    const m = await waitForCard(slack, database, 'bluesky', q.uri);
    const cardsBefore = slack.topLevel(TRIAGE).length;
    const own = fake.brandPost({ text: 'Yes, 10 to 4!', replyTo: { uri: q.uri, cid: q.cid } });
    await app.bluesky.pollNow();
    await expect.poll(async () => (await database.db.selectFrom('mentions').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, { timeout: PATIENT_MS }).toBe('replied');
    const post = await database.db.selectFrom('posts').selectAll().where('external_id', '=', own.uri).executeTakeFirstOrThrow();
    expect(post).toMatchObject({ case_id: m.id, direction: 'outbound', via: 'outside' });
    const r = await database.db.selectFrom('case_responses').selectAll().where('case_id', '=', m.id).executeTakeFirstOrThrow();
    expect(r).toMatchObject({ kind: 'first', via: 'outside' });
    expect(slack.topLevel(TRIAGE).length).toBe(cardsBefore);
  });

  it('a private answer is refused with a reason the person can act on, and nothing is posted', async () => {
    const p = fake.post({ handle: 'ines.bsky.social', text: '@brand.bsky.social can I send you my address?' });
    await app.bluesky.pollNow();
    const m = await waitForCard(slack, database, 'bluesky', p.uri);
    const before = slack.ephemerals.length;
    const posted = brandReplies().length;
    await submitReply(app, (await openReply(app, slack, m)).privateMetadata, 'Sure, here is how', 'dm');
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'the ephemeral');
    expect(slack.ephemerals.at(-1)!.text).toContain('Bluesky offers no private reply');
    expect(brandReplies()).toHaveLength(posted);
    expect((await database.db.selectFrom('mentions').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status).toBe('new');
  });

  it('the webhook refuses posts that claim to be from Bluesky', async () => {
    const r = await app.webhook(sampleMention({ source: 'bluesky' }));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('is read by earshot itself');
  });

  it('a restart resumes the stored session and cursor: no notification handed on twice, none missed', async () => {
    const before = fake.post({ handle: 'kai.bsky.social', text: '@brand.bsky.social before the deploy' });
    await app.bluesky.pollNow();
    await waitForCard(slack, database, 'bluesky', before.uri);
    const logins = fake.count('com.atproto.server.createSession');
    await app.stop();
    // Another customer: the same author's second post would join the first one's open case.
    const during = fake.post({ handle: 'kim.bsky.social', text: '@brand.bsky.social during the deploy' });
    app = await start();
    const out = await app.bluesky.pollNow();
    expect(out?.find((o) => o.list === 'notifications')).toMatchObject({ ingested: 1, caughtUp: true });
    await waitForCard(slack, database, 'bluesky', during.uri);
    await app.bluesky.pollNow();
    expect(await metricValue(app, 'earshot_mentions_duplicate_total', { source: 'bluesky' })).toBe(0);
    const cards = cardsByMention(slack);
    for (const p of [before, during]) {
      const r = await database.db.selectFrom('mentions').select('id').where('source', '=', 'bluesky').where('external_id', '=', p.uri).executeTakeFirstOrThrow();
      expect(cards.get(r.id)).toBe(1);
    }
    // The stored session was resumed: logging in again is what Bluesky limits most.
    expect(fake.count('com.atproto.server.createSession')).toBe(logins);
  });
});
