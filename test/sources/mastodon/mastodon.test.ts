import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import type { Database } from '../../../src/db/database.js';
import { defaultSlaPolicy } from '../../../src/domain/sla.js';
import { createLogger } from '../../../src/logger.js';
import { ingestMentions } from '../../../src/services/ingest.js';
import { BlueskyIntegration, type PollTuning } from '../../../src/sources/bluesky/index.js';
import { MastodonIntegration } from '../../../src/sources/mastodon/index.js';
import type { IncomingMention } from '../../../src/domain/mention.js';
import { FAKE_BSKY_BRAND, startFakeBluesky } from '../../fakes/bluesky-server.js';
import { FAKE_MASTODON_TOKEN, startFakeMastodon, type FakeMastodon } from '../../fakes/mastodon-server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { PATIENT_MS } from '../../support/patience.js';

/** The post a reply answers: here the case's own first post. */
const targetOf = (row: { external_id: string; author_external_id: string | null; author_handle: string; url: string | null; raw: unknown }) => ({
  externalId: row.external_id,
  authorExternalId: row.author_external_id,
  authorHandle: row.author_handle,
  url: row.url,
  raw: row.raw,
});

const logger = createLogger({ level: 'silent', secrets: [], pretty: false });
let tdb: TestDatabase;
let database: Database;
let fake: FakeMastodon;
let seen: IncomingMention[];
const running: MastodonIntegration[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});
afterAll(async () => {
  await database.close();
  await tdb.drop();
});
beforeEach(async () => {
  fake = await startFakeMastodon();
  seen = [];
  await sql`truncate mentions, slack_jobs, app_state cascade`.execute(database.db);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
  await fake.close();
});

const ingest = async (ms: IncomingMention[]) => {
  seen.push(...ms);
  return ingestMentions({ db: database.db, triageChannel: 'C_TRIAGE', slaPolicy: defaultSlaPolicy }, ms);
};

function mastodon(o: { tuning?: PollTuning; ingest?: typeof ingest } = {}): MastodonIntegration {
  const m = new MastodonIntegration({
    config: { account: { url: fake.url, accessToken: FAKE_MASTODON_TOKEN }, pollSeconds: 15 },
    logger,
    clock: systemClock,
    tuning: { manual: true, pageSize: 2, stopGraceMs: 50, ...o.tuning },
  });
  m.start({ database, ingest: o.ingest ?? ingest });
  running.push(m);
  return m;
}

async function storedIds(): Promise<string[]> {
  const rows = await database.db.selectFrom('mentions').select('external_id').where('source', '=', 'mastodon').execute();
  return rows.map((r) => r.external_id).sort();
}

describe('Mastodon source', () => {
  it('turns mention notifications into normalised mentions and the brand’s own replies into outbound posts', async () => {
    const m = mastodon();
    await m.pollNow();
    const first = fake.mention({ acct: 'jane@other.example', displayName: 'Jane', followers: 321, text: '@brand my order & <b>parcel</b>\nis late' });
    fake.favourite('fan');
    await m.pollNow();
    const answer = fake.brandStatus({ text: '@jane@other.example sorry, checking', inReplyTo: first.id });
    fake.brandStatus({ text: 'Our new shop is open' });
    const follow = fake.mention({ acct: 'jane@other.example', text: '@brand thanks', inReplyTo: answer.id });
    await m.pollNow();
    expect(seen.find((s) => s.externalId === first.id)).toMatchObject({
      source: 'mastodon',
      url: first.url,
      text: '@brand my order & <b>parcel</b>\nis late',
      author: { id: first.account.id, handle: 'jane@other.example', name: 'Jane', followers: 321 },
      inReplyTo: null,
      direction: 'inbound',
    });
    expect(seen.find((s) => s.externalId === follow.id)).toMatchObject({ inReplyTo: answer.id, direction: 'inbound' });
    expect(seen.filter((s) => s.direction === 'outbound').map((s) => [s.externalId, s.inReplyTo])).toEqual([[answer.id, first.id]]);
    expect(m.check().ok).toBe(true);
  });

  it('a process killed mid-page reads nothing twice and misses nothing after the restart', async () => {
    const early = mastodon();
    await early.pollNow();
    await early.stop();
    const made = Array.from({ length: 5 }, (_, i) => fake.mention({ acct: `c${i}`, text: `@brand #${i}` }));
    let calls = 0;
    let die: (err: Error) => void = () => undefined;
    const dying = mastodon({ ingest: (ms) => (++calls === 2 ? new Promise<never>((_, reject) => (die = reject)) : ingest(ms)) });
    const tick = dying.pollNow();
    await expect.poll(() => calls, { timeout: PATIENT_MS }).toBe(2);
    await dying.stop();
    die(new Error('killed'));
    await tick;
    const late = fake.mention({ acct: 'late', text: '@brand still there?' });
    const restarted = mastodon();
    await restarted.pollNow();
    expect(await storedIds()).toEqual([...made, late].map((s) => s.id).sort());
    const twice = seen.map((s) => s.externalId).filter((id, i, all) => all.indexOf(id) !== i);
    expect(twice).toEqual([]);
    await restarted.pollNow();
    expect(seen).toHaveLength(6);
  });

  it('a page read while the database is unreachable is read again on the next tick: nothing skipped, nothing stored twice', async () => {
    const m0 = mastodon();
    await m0.pollNow();
    await m0.stop();
    const made = Array.from({ length: 5 }, (_, i) => fake.mention({ acct: `d${i}`, text: `@brand #${i}` }));
    let calls = 0;
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    // The second page (of three) is read, but its store fails: the database went away.
    const m = mastodon({ ingest: (ms) => (++calls === 2 ? Promise.reject(lost) : ingest(ms)) });
    await m.pollNow();
    expect(await storedIds()).toHaveLength(2);
    await m.pollNow();
    expect(await storedIds()).toEqual(made.map((s) => s.id).sort());
    const twice = seen.map((s) => s.externalId).filter((id, i, all) => all.indexOf(id) !== i);
    expect(twice).toEqual([]);
  });

  it('a revoked token shows in the health check, and stops only this source', async () => {
    const m = mastodon();
    await m.pollNow();
    fake.revokeToken();
    fake.mention({ acct: 'x', text: '@brand hi' });
    await m.pollNow();
    const h = m.check();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/MASTODON_ACCESS_TOKEN.*revoked/);
    expect(h.detail).not.toContain(FAKE_MASTODON_TOKEN);
    const before = fake.calls.length;
    await m.pollNow();
    expect(fake.calls.length).toBe(before);
  });

  it('obeys X-RateLimit-Remaining 0 until X-RateLimit-Reset', async () => {
    const m = mastodon();
    fake.setLimit(2, 3600);
    await m.pollNow();
    const before = fake.calls.length;
    await m.pollNow();
    expect(fake.calls.length).toBe(before);
    expect(m.check().detail).toMatch(/waiting for Mastodon's rate limit until/);
  });

  it('replies publicly in the thread, privately as a direct message, within the instance’s limit', async () => {
    await fake.close();
    fake = await startFakeMastodon({ maxCharacters: 40 });
    const m = mastodon();
    await m.pollNow();
    const post = fake.mention({ acct: 'jane@other.example', text: '@brand where is it?', visibility: 'unlisted' });
    await m.pollNow();
    const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', post.id).executeTakeFirstOrThrow();
    const sender = m.replySender!;
    expect(sender.handles(row)).toBe(true);
    const pub = await sender.send(row, targetOf(row), { text: 'on its way', mode: 'public' });
    expect(pub.ok).toBe(true);
    const posted = fake.statuses.find((s) => pub.ok && s.id === pub.externalId)!;
    expect(posted).toMatchObject({ in_reply_to_id: post.id, visibility: 'unlisted' });
    expect(posted.content).toContain('@<span>jane</span>');
    const again = await sender.send(row, targetOf(row), { text: 'on its way', mode: 'public' });
    expect(again.ok && again.externalId).toBe(pub.ok && pub.externalId);
    const dm = await sender.send(row, targetOf(row), { text: 'your tracking code: 123', mode: 'dm' });
    expect(dm.ok).toBe(true);
    expect(fake.statuses.find((s) => dm.ok && s.id === dm.externalId)).toMatchObject({ visibility: 'direct', in_reply_to_id: post.id });
    const long = await sender.send(row, targetOf(row), { text: 'x'.repeat(38), mode: 'public' });
    expect(long).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/40 characters/) as unknown });
  });

  it('with the Mastodon token revoked, Bluesky goes on reading', async () => {
    const bsky = await startFakeBluesky();
    const b = new BlueskyIntegration({
      config: { account: { handle: FAKE_BSKY_BRAND.handle, appPassword: FAKE_BSKY_BRAND.password }, service: bsky.url, pollSeconds: 15 },
      logger,
      clock: systemClock,
      tuning: { manual: true, loginGapMs: 0 },
    });
    try {
      b.start({ database, ingest });
      const m = mastodon();
      fake.revokeToken();
      const post = bsky.post({ handle: 'jane.bsky.social', text: '@brand.bsky.social hello' });
      await Promise.all([m.pollNow(), b.pollNow()]);
      expect(m.check().ok).toBe(false);
      expect(b.check().ok).toBe(true);
      expect(seen.map((s) => s.externalId)).toEqual([post.uri]);
    } finally {
      await b.stop();
      await bsky.close();
    }
  });
});
