/**
 * The brand's own X timeline (`GET /2/users/:id/tweets`): the poller hands the brand's replies to
 * `ingest` as outbound posts, from a durable since_id, under the same gate and restart rules as
 * the mentions timeline. What the case logic does with them is tested with it; here the X source
 * runs against the fake X and real Postgres with an ingest that records what it is given.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { IngestResult } from '../../src/services/ingest.js';
import type { IncomingMention } from '../../src/domain/mention.js';
import { XIntegration, type XTuning } from '../../src/sources/x/index.js';
import { startFakeX, type FakeX, type FakeXPost } from '../fakes/x-server.js';
import { baseEnv } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { xEnv } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
const running: XIntegration[] = [];

beforeAll(async () => {
  [fake, tdb] = await Promise.all([startFakeX({ heartbeatMs: 200 }), createTestDatabase()]);
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await fake?.close();
  await tdb?.drop();
});
beforeEach(async () => {
  fake.reset();
  await database.db.deleteFrom('app_state').execute();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((x) => x.stop()));
});

interface Started {
  x: XIntegration;
  handed: IncomingMention[];
  metrics: ReturnType<typeof createMetrics>;
}

function start(env: Record<string, string | undefined> = {}, tuning: XTuning = { manual: true }): Started {
  const config = parseConfig({ ...baseEnv, ...xEnv(fake, env) });
  const metrics = createMetrics();
  const x = new XIntegration({ config, logger: createLogger({ level: 'silent', pretty: false }), metrics, clock: systemClock, tuning });
  const handed: IncomingMention[] = [];
  const ingest = (posts: IncomingMention[]): Promise<IngestResult> => {
    handed.push(...posts);
    return Promise.resolve({ accepted: posts.length, duplicates: 0, ids: [], joined: 0, reopened: 0, outsideReplies: 0, outboundUnmatched: 0, bySource: {} });
  };
  x.start({ database, ingest });
  running.push(x);
  return { x, handed, metrics };
}

async function stop(s: Started): Promise<void> {
  await s.x.stop();
  running.splice(running.indexOf(s.x), 1);
}

function customerPost(text = '@acme my parcel is late', authorId = '8001'): FakeXPost {
  if (!fake.getUser(authorId)) fake.addUser({ id: authorId, username: `cust${authorId}`, followers: 10 });
  return fake.addPost({ text, authorId });
}

/** `n` customer posts, each answered by the brand directly on X. */
function answered(n: number): { asks: FakeXPost[]; replies: FakeXPost[] } {
  const asks = Array.from({ length: n }, (_, i) => customerPost(`@acme order ${i} is late`));
  const replies = asks.map((a, i) => fake.addBrandPost({ text: `@cust8001 sorry about order ${i}, DM us`, inReplyTo: a.id }));
  return { asks, replies };
}

function waitUntil(cond: () => boolean, timeoutMs = PATIENT_MS, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 10);
    };
    check();
  });
}

const ownRequests = () => fake.requests.filter((r) => r.path.endsWith('/tweets') && r.path.startsWith('/2/users/'));

describe("the brand's own timeline", () => {
  it('hands the brand’s replies to ingest as outbound posts, skips (and counts) posts that answer nothing', async () => {
    const ask = customerPost();
    const reply = fake.addBrandPost({ text: '@cust8001 so sorry, we are on it', inReplyTo: ask.id, createdAt: new Date(Date.now() - 60_000) });
    const announcement = fake.addBrandPost({ text: 'New opening hours from Monday' });
    const s = start();
    const outcome = await s.x.pollNow();
    expect(outcome?.own).toMatchObject({ kind: 'own', read: 2, ingested: 1, skipped: 1, caughtUp: true });

    const q = fake.requestsTo('userTweets')[0]!;
    expect(q.path).toBe(`/2/users/${fake.brand.id}/tweets`);
    expect(q.query).toMatchObject({ exclude: 'retweets', max_results: '100', expansions: 'author_id' });
    for (const f of ['referenced_tweets', 'conversation_id', 'in_reply_to_user_id', 'created_at']) expect(q.query['tweet.fields']!.split(',')).toContain(f);
    // The very first start reads back X_BACKFILL_HOURS (default 24), no further.
    expect(Date.parse(q.query.start_time!)).toBeLessThanOrEqual(Date.now() - 24 * 3_600_000 + 60_000);

    const own = s.handed.filter((p) => p.direction === 'outbound');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      source: 'x',
      externalId: reply.id,
      direction: 'outbound',
      inReplyTo: ask.id,
      conversationId: ask.conversationId,
      text: '@cust8001 so sorry, we are on it',
      author: { id: fake.brand.id, handle: 'acme' },
      url: `https://x.com/acme/status/${reply.id}`,
    });
    // The time X says it was posted, not the time it was read.
    expect(own[0]!.postedAt.toISOString()).toBe(reply.createdAt.toISOString());
    expect(s.handed.some((p) => p.externalId === announcement.id)).toBe(false);
    // The customer's post came through the mentions timeline, as an inbound post that answers nothing.
    expect(s.handed.find((p) => p.externalId === ask.id)).toMatchObject({ inReplyTo: null });

    const read = await s.metrics.registry.getSingleMetricAsString('earshot_x_posts_read_total');
    expect(read).toMatch(/source="own"} 2/);
    expect(read).toMatch(/source="mentions"} 1/);
    expect(await s.metrics.registry.getSingleMetricAsString('earshot_x_posts_skipped_total')).toMatch(/reason="not_a_reply"} 1/);
    expect(await s.metrics.registry.getSingleMetricAsString('earshot_x_requests_total')).toMatch(/endpoint="own_posts",status="200"} 1/);
  });

  it('a page that exclude=retweets emptied still leads to the older replies behind it', async () => {
    const { replies, asks } = answered(3);
    for (let i = 0; i < 5; i++) fake.addBrandPost({ text: `RT ${i}`, referencedTweets: [{ type: 'retweeted', id: asks[0]!.id }] });
    const s = start({}, { manual: true, pageSize: 5 });
    const outcome = await s.x.pollNow();
    expect(outcome?.own).toMatchObject({ read: 3, ingested: 3, caughtUp: true });
    expect(s.handed.filter((p) => p.direction === 'outbound').map((p) => p.externalId).sort()).toEqual(replies.map((r) => r.id).sort());
    await s.x.pollNow();
    expect(fake.requestsTo('userTweets').at(-1)!.query.since_id).toBe(replies[2]!.id);
    for (const r of replies) expect(fake.servedCount(r.id)).toBe(1);
  });

  it('older brand posts than X_BACKFILL_HOURS are not read on the very first start', async () => {
    const old = customerPost('@acme old one');
    const oldReply = fake.addBrandPost({ text: 'old answer', inReplyTo: old.id, createdAt: new Date(Date.now() - 5 * 3_600_000) });
    const fresh = fake.addBrandPost({ text: 'new answer', inReplyTo: old.id });
    const s = start({ X_BACKFILL_HOURS: '2' });
    await s.x.pollNow();
    expect(s.handed.filter((p) => p.direction === 'outbound').map((p) => p.externalId)).toEqual([fresh.id]);
    expect(fake.servedCount(oldReply.id)).toBe(0);
  });

  it('a restart reads no brand post twice, and later replies are read from the stored since_id', async () => {
    const first = answered(7);
    const a = start({}, { manual: true, pageSize: 5 });
    await a.x.pollNow();
    expect(a.handed.filter((p) => p.direction === 'outbound').map((p) => p.externalId).sort()).toEqual(first.replies.map((r) => r.id).sort());
    await stop(a);

    const later = fake.addBrandPost({ text: '@cust8001 any news?', inReplyTo: first.asks[0]!.id });
    const b = start({}, { manual: true, pageSize: 5 });
    await b.x.pollNow();
    expect(b.handed.filter((p) => p.direction === 'outbound').map((p) => p.externalId)).toEqual([later.id]);
    for (const r of [...first.replies, later]) expect(fake.servedCount(r.id)).toBe(1);
    // Caught up: the next poll asks from the newest brand post and reads nothing again.
    await b.x.pollNow();
    expect(fake.requestsTo('userTweets').at(-1)!.query.since_id).toBe(later.id);
    expect(fake.servedCount(later.id)).toBe(1);
  });

  it('killed mid-page: after the restart none is missed and only the page in flight is read again', async () => {
    const { replies } = answered(12);
    fake.setLatency(200);
    const a = start({}, { manual: true, pageSize: 5, stopGraceMs: 0 });
    const polling = a.x.pollNow();
    // The mentions timeline is read first (12 posts: 3 pages, then a look from the new since_id).
    await waitUntil(() => ownRequests().length === 2, PATIENT_MS, 'the second page of the own timeline to be requested');
    await stop(a);
    await polling;
    const seenBefore = new Set(a.handed.filter((p) => p.direction === 'outbound').map((p) => p.externalId));
    expect(seenBefore.size).toBe(5);

    fake.setLatency(0);
    const b = start({}, { manual: true, pageSize: 5 });
    await b.x.pollNow();
    const all = [...a.handed, ...b.handed].filter((p) => p.direction === 'outbound').map((p) => p.externalId);
    expect(new Set(all)).toEqual(new Set(replies.map((r) => r.id)));
    const served = replies.map((r) => fake.servedCount(r.id));
    expect(Math.min(...served)).toBe(1);
    // At most the page in flight (5 posts) was served twice.
    expect(served.filter((n) => n === 2).length).toBeLessThanOrEqual(5);
    // The restart resumed with the stored page token, not from the top.
    expect(ownRequests()[2]!.query.pagination_token).toBeTruthy();
  });

  it('a 429 on the own timeline: no request to it before x-rate-limit-reset; the mentions timeline goes on', async () => {
    answered(1);
    fake.exhaust('userTweets', 60);
    const s = start();
    const first = await s.x.pollNow();
    expect(first?.own).toMatchObject({ caughtUp: false, read: 0 });
    expect(first?.timelines[0]).toMatchObject({ kind: 'mentions', read: 1, caughtUp: true });
    expect(fake.requestsTo('userTweets').map((r) => r.status)).toEqual([429]);
    customerPost('@acme and another thing');
    const second = await s.x.pollNow();
    expect(second?.timelines[0]).toMatchObject({ read: 1 });
    expect(fake.requestsTo('userTweets')).toHaveLength(1);
    expect(await s.metrics.registry.getSingleMetricAsString('earshot_x_rate_limit_waits_total')).toMatch(/endpoint="own_posts"} [1-9]/);
  });

  it('in stream mode the stream never moves the own timeline’s cursor', async () => {
    const ask = customerPost('@acme before the stream');
    const s = start({ X_MODE: 'stream', X_POLL_SECONDS: '3600' }, { reconnectDelayMs: () => 50 });
    await fake.waitForStream(PATIENT_MS);
    // The gap poll after connecting reads the own timeline too (last).
    await waitUntil(() => fake.requestsTo('userTweets').length >= 1, PATIENT_MS, 'the own timeline to be read');
    const reply = fake.addBrandPost({ text: '@cust8001 on it', inReplyTo: ask.id });
    const streamed = customerPost('@acme via the stream');
    await waitUntil(() => s.handed.some((p) => p.externalId === streamed.id), PATIENT_MS, 'the streamed post');
    // A cursor raised to the streamed post's id would skip the brand's reply, which is older.
    await s.x.pollNow();
    expect(s.handed.find((p) => p.externalId === reply.id)).toMatchObject({ direction: 'outbound', inReplyTo: ask.id });
    expect(fake.servedCount(reply.id)).toBe(1);
  });

  it('in stream mode the own timeline is polled every X_POLL_SECONDS', async () => {
    const s = start({ X_MODE: 'stream', X_POLL_SECONDS: '1' }, { reconnectDelayMs: () => 50 });
    await fake.waitForStream(PATIENT_MS);
    await waitUntil(() => fake.requestsTo('userTweets').length >= 1, PATIENT_MS, 'the gap poll');
    const ask = customerPost('@acme hello?');
    const reply = fake.addBrandPost({ text: '@cust8001 hi!', inReplyTo: ask.id });
    await waitUntil(() => s.handed.some((p) => p.externalId === reply.id), PATIENT_MS, 'the brand reply from the own timeline');
    expect(fake.servedCount(reply.id)).toBe(1);
    expect(fake.servedCount(ask.id)).toBe(1);
  });
});
