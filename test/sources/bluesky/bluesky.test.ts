import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import type { Database } from '../../../src/db/database.js';
import { defaultSlaPolicy } from '../../../src/domain/sla.js';
import { createLogger } from '../../../src/logger.js';
import { ingestMentions } from '../../../src/services/ingest.js';
import { BlueskyIntegration, type PollTuning } from '../../../src/sources/bluesky/index.js';
import type { IncomingMention } from '../../../src/domain/mention.js';
import { FAKE_BSKY_BRAND, startFakeBluesky, type FakeBluesky } from '../../fakes/bluesky-server.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../../support/db.js';
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
let fake: FakeBluesky;
let seen: IncomingMention[];
const running: BlueskyIntegration[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});
afterAll(async () => {
  await database.close();
  await tdb.drop();
});
beforeEach(async () => {
  fake = await startFakeBluesky();
  seen = [];
  await sql`truncate mentions, slack_jobs, app_state cascade`.execute(database.db);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
  await fake.close();
});

const ingest = async (ms: IncomingMention[]) => {
  seen.push(...ms);
  return ingestMentions({ db: database.db, triageChannel: 'C_TRIAGE', slaPolicy: defaultSlaPolicy }, ms);
};

function bluesky(o: { password?: string; tuning?: PollTuning; ingest?: typeof ingest; database?: Database } = {}): BlueskyIntegration {
  const b = new BlueskyIntegration({
    config: { account: { handle: FAKE_BSKY_BRAND.handle, appPassword: o.password ?? FAKE_BSKY_BRAND.password }, service: fake.url, pollSeconds: 15 },
    logger,
    clock: systemClock,
    tuning: { manual: true, pageSize: 2, loginGapMs: 0, stopGraceMs: 50, ...o.tuning },
  });
  b.start({ database: o.database ?? database, ingest: o.ingest ?? ingest });
  running.push(b);
  return b;
}

async function storedIds(): Promise<string[]> {
  const rows = await database.db.selectFrom('mentions').select('external_id').where('source', '=', 'bluesky').orderBy('external_id').execute();
  return rows.map((r) => r.external_id);
}

describe('Bluesky source', () => {
  it('turns mentions, replies and quotes into normalised mentions, and the brand’s own replies into outbound posts', async () => {
    const text = 'Order stuck, see example.com/orders/12… @brand.bsky.social';
    const label = 'example.com/orders/12…';
    const start = Buffer.byteLength(text.slice(0, text.indexOf(label)));
    const m = fake.post({
      handle: 'jane.bsky.social',
      displayName: 'Jane <Doe>',
      followers: 1234,
      text,
      facets: [{ index: { byteStart: start, byteEnd: start + Buffer.byteLength(label) }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/orders/12345' }] }],
    });
    const b = bluesky();
    await b.pollNow();
    const answer = fake.brandPost({ text: 'Sorry Jane, looking now', replyTo: { uri: m.uri, cid: m.cid } });
    const followUp = fake.post({ handle: 'jane.bsky.social', text: 'thanks!', replyTo: { uri: answer.uri, cid: answer.cid, root: { uri: m.uri, cid: m.cid } } });
    fake.brandPost({ text: 'Big news today' });
    await b.pollNow();

    const first = seen.find((s) => s.externalId === m.uri)!;
    expect(first).toMatchObject({
      source: 'bluesky',
      url: `https://bsky.app/profile/jane.bsky.social/post/${m.uri.split('/').at(-1)!}`,
      text: 'Order stuck, see https://example.com/orders/12345 @brand.bsky.social',
      author: { id: m.author.did, handle: 'jane.bsky.social', name: 'Jane <Doe>', followers: 1234 },
      conversationId: m.uri,
      inReplyTo: null,
      direction: 'inbound',
    });
    expect(seen.find((s) => s.externalId === followUp.uri)).toMatchObject({ inReplyTo: answer.uri, conversationId: m.uri, direction: 'inbound' });
    const out = seen.filter((s) => s.direction === 'outbound');
    expect(out.map((s) => [s.externalId, s.inReplyTo, s.conversationId])).toEqual([[answer.uri, m.uri, m.uri]]);
    expect(b.check()).toMatchObject({ ok: true });
  });

  it('a process killed mid-page reads nothing twice and misses nothing after the restart', async () => {
    const made = Array.from({ length: 5 }, (_, i) => fake.post({ handle: `c${i}.bsky.social`, text: `@brand.bsky.social #${i}` }));
    let calls = 0;
    let die: (err: Error) => void = () => undefined;
    // The second page is fetched but never stored: the process dies before its transaction
    // (its database session, and with it the leader lock, ends with it).
    const dying = bluesky({ ingest: (ms) => (++calls === 2 ? new Promise<never>((_, reject) => (die = reject)) : ingest(ms)) });
    const tick = dying.pollNow();
    await expect.poll(() => calls, { timeout: PATIENT_MS }).toBe(2);
    await dying.stop();
    die(new Error('killed'));
    await tick;
    const late = fake.post({ handle: 'late.bsky.social', text: '@brand.bsky.social still there?' });

    const restarted = bluesky();
    await restarted.pollNow();
    await restarted.pollNow();
    const stored = await storedIds();
    expect(stored).toEqual([...made, late].map((p) => p.uri).sort());
    const ingestedTwice = seen.map((s) => s.externalId).filter((id, i, all) => all.indexOf(id) !== i);
    expect(ingestedTwice).toEqual([]);
    await restarted.pollNow();
    expect(seen).toHaveLength(6);
  });

  it('a page read while the database is unreachable is read again on the next tick: nothing skipped, nothing stored twice', async () => {
    const made = Array.from({ length: 5 }, (_, i) => fake.post({ handle: `d${i}.bsky.social`, text: `@brand.bsky.social #${i}` }));
    let calls = 0;
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    // The second page (of three) is read, but its store fails: the database went away.
    const b = bluesky({ ingest: (ms) => (++calls === 2 ? Promise.reject(lost) : ingest(ms)) });
    await b.pollNow();
    expect(await storedIds()).toHaveLength(2);
    await b.pollNow();
    expect(await storedIds()).toEqual(made.map((p) => p.uri).sort());
    const ingestedTwice = seen.map((s) => s.externalId).filter((id, i, all) => all.indexOf(id) !== i);
    expect(ingestedTwice).toEqual([]);
  });

  it('refreshes an expired session without logging in again, and a restart resumes the stored session', async () => {
    const b = bluesky();
    await b.pollNow();
    expect(fake.count('com.atproto.server.createSession')).toBe(1);
    fake.expireAccessTokens();
    const p = fake.post({ handle: 'x.bsky.social', text: '@brand.bsky.social hello' });
    await b.pollNow();
    expect(seen.map((s) => s.externalId)).toContain(p.uri);
    expect(fake.count('com.atproto.server.refreshSession')).toBe(1);
    await b.stop();

    const again = bluesky();
    const q = fake.post({ handle: 'y.bsky.social', text: '@brand.bsky.social hi' });
    await again.pollNow();
    expect(seen.map((s) => s.externalId)).toContain(q.uri);
    expect(fake.count('com.atproto.server.createSession')).toBe(1);
  });

  it('logs in again only when the refresh token is refused too', async () => {
    const b = bluesky();
    await b.pollNow();
    fake.revokeSessions();
    const p = fake.post({ handle: 'x.bsky.social', text: '@brand.bsky.social hello' });
    await b.pollNow();
    await b.pollNow();
    expect(seen.map((s) => s.externalId)).toContain(p.uri);
    expect(fake.count('com.atproto.server.createSession')).toBe(2);
  });

  it('a refused app password shows in the health check and is not retried every tick', async () => {
    const b = bluesky({ password: 'wrong', tuning: { loginGapMs: 60_000 } });
    await b.pollNow();
    await b.pollNow();
    expect(fake.count('com.atproto.server.createSession')).toBe(1);
    const h = b.check();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/BLUESKY_APP_PASSWORD/);
    expect(h.detail).not.toContain('wrong');
  });

  it('obeys a 429 until the reset it names', async () => {
    const b = bluesky();
    await b.pollNow();
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    fake.failNext('app.bsky.notification.listNotifications', { status: 429, error: 'RateLimitExceeded', message: 'Rate Limit Exceeded', headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) } });
    await b.pollNow();
    const before = fake.count('app.bsky.notification.listNotifications');
    await b.pollNow();
    expect(fake.count('app.bsky.notification.listNotifications')).toBe(before);
    expect(b.check().detail).toMatch(/waiting for Bluesky's rate limit until/);
  });

  it('posts a public reply in the right thread; refuses private and over-long replies', async () => {
    const root = fake.post({ handle: 'jane.bsky.social', text: '@brand.bsky.social my order' });
    const answer = fake.brandPost({ text: 'Which one?', replyTo: { uri: root.uri, cid: root.cid } });
    const follow = fake.post({ handle: 'jane.bsky.social', text: '#12345', replyTo: { uri: answer.uri, cid: answer.cid, root: { uri: root.uri, cid: root.cid } } });
    const b = bluesky();
    await b.pollNow();
    const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', follow.uri).executeTakeFirstOrThrow();
    const sender = b.replySender!;
    expect(sender.handles(row)).toBe(true);
    expect(sender.describe(row)).toMatch(/no private answer/);
    expect(await sender.send(row, targetOf(row), { text: 'hi', mode: 'dm' })).toMatchObject({ ok: false, retryable: false });
    expect(await sender.send(row, targetOf(row), { text: 'a'.repeat(301), mode: 'public' })).toMatchObject({ ok: false, reason: expect.stringMatching(/300/) as unknown });
    const sent = await sender.send(row, targetOf(row), { text: 'Found it, shipping today 👍🏽', mode: 'public' });
    expect(sent.ok).toBe(true);
    const posted = fake.posts.find((p) => sent.ok && p.uri === sent.externalId)!;
    expect(posted.record.reply).toEqual({ root: { uri: root.uri, cid: root.cid }, parent: { uri: follow.uri, cid: follow.cid } });
    expect(sent.ok && sent.url).toMatch(/^https:\/\/bsky\.app\/profile\/brand\.bsky\.social\/post\//);
  });

  it.skipIf(!usingServer)('two replicas polling at once store each notification once (the advisory lock picks one)', async () => {
    const other = await tdb.open({ poolSize: 2 });
    try {
      const made = Array.from({ length: 6 }, (_, i) => fake.post({ handle: `r${i}.bsky.social`, text: `@brand.bsky.social #${i}` }));
      const a = bluesky();
      const b = bluesky({ database: other });
      await Promise.all([a.pollNow(), b.pollNow(), a.pollNow(), b.pollNow()]);
      expect(await storedIds()).toEqual(made.map((p) => p.uri).sort());
      expect(seen.map((s) => s.externalId).filter((id, i, all) => all.indexOf(id) !== i)).toEqual([]);
    } finally {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await other.close();
    }
  });
});
