import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { htmlToText } from '../../src/sources/mastodon/normalise.js';
import { startFakeMastodon, type FakeMastodon } from '../fakes/mastodon-server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { mastodonEnv, metricValue, openReply, readyCheck, submitReply, waitForCard } from '../support/networks.js';
import { cardsByMention } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let fake: FakeMastodon;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

const start = () => startTestApp({ slack, database, env: mastodonEnv(fake), extra: { mastodon: { manual: true } } });

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeMastodon(), createTestDatabase()]);
  database = await tdb.open();
  app = await start();
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});
// The tests run in any order: a token one of them revoked works again for the next.
beforeEach(() => {
  slack.setChannelMembers(TRIAGE, ['UALICE']);
  fake.revokeToken(false);
});

const brandAnswerTo = (statusId: string) => fake.statuses.find((s) => s.account.id === fake.brand.id && s.in_reply_to_id === statusId);
const replyRow = (mentionId: number) => database.db.selectFrom('replies').selectAll().where('mention_id', '=', mentionId).executeTakeFirst();

describe('Mastodon, end to end', () => {
  it('a mention becomes a card after one poll; /readyz and /metrics show the source', async () => {
    const s = fake.mention({ acct: 'lena@social.example', displayName: 'Lena', followers: 77, text: '@brand my parcel is <b>lost</b> & nobody answers' });
    await app.mastodon.pollNow();
    const m = await waitForCard(slack, database, 'mastodon', s.id);
    expect(m).toMatchObject({ author_handle: 'lena@social.example', author_followers: 77, url: s.url });
    // Stored as the customer wrote it (HTML turned into text), escaped once on the card.
    expect(m.text).toContain('my parcel is <b>lost</b> & nobody answers');
    const card = slack.topLevel(TRIAGE).find((c) => c.ts === m.card_ts)!;
    expect(JSON.stringify(card.blocks)).toContain('&lt;b&gt;lost&lt;/b&gt; &amp; nobody');
    expect(await readyCheck(app, 'mastodon')).toMatchObject({ ok: true, required: false, detail: expect.stringContaining(fake.url) });
    expect(await metricValue(app, 'earshot_source_requests_total', { source: 'mastodon', endpoint: 'GET /api/v1/notifications', status: '200' })).toBeGreaterThan(0);
    expect(await metricValue(app, 'earshot_source_requests_total', { source: 'mastodon', endpoint: 'GET /api/v1/accounts/:id/statuses', status: '200' })).toBeGreaterThan(0);
  });

  it('a public reply typed in Slack goes under the post (in_reply_to_id), with its visibility, addressed to the author', async () => {
    const s = fake.mention({ acct: 'piet@social.example', text: '@brand is the shop open on Sunday?', visibility: 'unlisted' });
    await app.mastodon.pollNow();
    const m = await waitForCard(slack, database, 'mastodon', s.id);
    const { privateMetadata, view } = await openReply(app, slack, m);
    expect(JSON.stringify(view.blocks)).toContain('Posted on Mastodon as the brand');
    await submitReply(app, privateMetadata, 'Yes, from 10 to 4!', 'public');
    await slack.waitFor(() => brandAnswerTo(s.id) !== undefined, PATIENT_MS, 'the reply on Mastodon');
    const answer = brandAnswerTo(s.id)!;
    expect(answer.visibility).toBe('unlisted');
    // Addressed with @acct (shown by its local part, as Mastodon renders it), which notifies the author.
    expect(htmlToText(answer.content)).toBe('@piet Yes, from 10 to 4!');
    expect(answer.mentions.map((x) => x.acct)).toEqual(['piet@social.example']);
    await expect.poll(async () => (await replyRow(m.id))?.status, { timeout: PATIENT_MS }).toBe('sent');
    expect(await replyRow(m.id)).toMatchObject({ destination: 'mastodon', mode: 'public', external_id: answer.id, external_url: answer.url });
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('publicly on Mastodon')), PATIENT_MS, 'the thread line');
  });

  it('a private reply is a direct message in the thread, addressed to the author', async () => {
    const s = fake.mention({ acct: 'noor', text: '@brand I need to change my delivery address' });
    await app.mastodon.pollNow();
    const m = await waitForCard(slack, database, 'mastodon', s.id);
    await submitReply(app, (await openReply(app, slack, m)).privateMetadata, 'Send it to us here, Noor.', 'dm');
    await slack.waitFor(() => brandAnswerTo(s.id) !== undefined, PATIENT_MS, 'the direct message');
    const dm = brandAnswerTo(s.id)!;
    expect(dm.visibility).toBe('direct');
    expect(dm.mentions.map((x) => x.acct)).toEqual(['noor']);
    await expect.poll(async () => (await replyRow(m.id))?.status, { timeout: PATIENT_MS }).toBe('sent');
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('by direct message on Mastodon')), PATIENT_MS, 'the thread line');
  });

  // Needs the case-joining ingest (posts join cases by in_reply_to, outbound posts count as the
  // brand's replies), built on another branch: the poller already hands on inReplyTo and direction.
  it('the customer’s answer to the brand’s reply joins the case, and a status the brand posted itself answers it with no card', async () => {
    const s = fake.mention({ acct: 'nora', text: '@brand my parcel is late' });
    await app.mastodon.pollNow();
    const m = await waitForCard(slack, database, 'mastodon', s.id);
    const cardsBefore = slack.topLevel(TRIAGE).length;
    // The brand answers in the Mastodon app (outside earshot): its own statuses are read too.
    const own = fake.brandStatus({ text: '@nora so sorry, checking now', inReplyTo: s.id });
    await app.mastodon.pollNow();
    await expect.poll(async () => (await database.db.selectFrom('mentions').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, { timeout: PATIENT_MS }).toBe('replied');
    expect(await database.db.selectFrom('posts').selectAll().where('external_id', '=', own.id).executeTakeFirstOrThrow()).toMatchObject({ case_id: m.id, direction: 'outbound', via: 'outside' });
    // The customer answers the brand's status: the same case, waiting again, no new card.
    const again = fake.mention({ acct: 'nora', text: '@brand still nothing', inReplyTo: own.id });
    await app.mastodon.pollNow();
    await expect.poll(async () => (await database.db.selectFrom('posts').select('case_id').where('external_id', '=', again.id).executeTakeFirst())?.case_id, { timeout: PATIENT_MS }).toBe(m.id);
    const c = await database.db.selectFrom('mentions').select(['customer_posts', 'waiting_since']).where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(c.customer_posts).toBe(2);
    expect(c.waiting_since).not.toBeNull();
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('still nothing')), PATIENT_MS, 'the follow-up in the card thread');
    expect(slack.topLevel(TRIAGE).length).toBe(cardsBefore);
  });

  it('the webhook refuses posts that claim to be from Mastodon', async () => {
    const r = await app.webhook(sampleMention({ source: 'mastodon' }));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('is read by earshot itself');
  });

  it('a restart reads forward from the stored id: no notification handed on twice, none missed', async () => {
    const before = fake.mention({ acct: 'ravi', text: '@brand before the deploy' });
    await app.mastodon.pollNow();
    await waitForCard(slack, database, 'mastodon', before.id);
    await app.stop();
    // Another customer: the same author's second post would join the first one's open case.
    const during = fake.mention({ acct: 'rosa', text: '@brand during the deploy' });
    fake.favourite('ravi');
    app = await start();
    const out = await app.mastodon.pollNow();
    expect(out?.find((o) => o.list === 'notifications')).toMatchObject({ ingested: 1 });
    await waitForCard(slack, database, 'mastodon', during.id);
    await app.mastodon.pollNow();
    expect(await metricValue(app, 'earshot_mentions_duplicate_total', { source: 'mastodon' })).toBe(0);
    const cards = cardsByMention(slack);
    for (const s of [before, during]) {
      const r = await database.db.selectFrom('mentions').select('id').where('source', '=', 'mastodon').where('external_id', '=', s.id).executeTakeFirstOrThrow();
      expect(cards.get(r.id)).toBe(1);
    }
  });

  it('a revoked token shows in /readyz (not required, with what to do) and stops only Mastodon', async () => {
    fake.revokeToken();
    try {
      await app.mastodon.pollNow();
      const r = await fetch(`${app.url}/readyz`);
      expect(r.status).toBe(200);
      expect(await readyCheck(app, 'mastodon')).toMatchObject({ ok: false, required: false, detail: expect.stringContaining('MASTODON_ACCESS_TOKEN') });
      expect(await metricValue(app, 'earshot_source_requests_total', { source: 'mastodon', status: '401' })).toBeGreaterThan(0);
      // The rest of earshot keeps working: another network's mention still becomes a card.
      const w = await app.webhook(sampleMention({ source: 'threads' }));
      expect(w.status).toBe(202);
    } finally {
      // A refused token pauses reading until a restart (with a new token): the tests after this
      // one, in whatever order, get an app that reads again.
      await app.stop();
      fake.revokeToken(false);
      app = await start();
    }
  });
});
