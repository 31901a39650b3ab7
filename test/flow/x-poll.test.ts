import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { XTuning } from '../../src/sources/x/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX, type FakeXPost } from '../fakes/x-server.js';
import { sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';
import { cardsByMention, waitForCards, xEnv, xMentions } from '../support/x.js';
import { SteppingClock } from '../support/clock.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
const apps: TestApp[] = [];

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});
beforeEach(async () => {
  fake.reset();
  // Each test starts with X's windows fresh; the fake's were reset above.
  await database.db.deleteFrom('app_state').where('key', '=', 'x:rate-limits').execute();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});

async function start(env: Record<string, string | undefined> = {}, x: XTuning = { manual: true }, runQueue = true, clock?: Clock): Promise<TestApp> {
  const app = await startTestApp({ slack, database, clock, env: xEnv(fake, env), runQueue, extra: { x, queue: { concurrency: 4, burst: 50 } } });
  apps.push(app);
  return app;
}

/** `n` mentions, each from another customer (one customer's posts would join one case): `authorId`, then `authorId`001, 002, … */
function addMentions(n: number, authorId = '5001'): FakeXPost[] {
  return Array.from({ length: n }, (_, i) => {
    const id = i === 0 ? authorId : `${authorId}${String(i).padStart(3, '0')}`;
    fake.addUser({ id, username: `cust${id}`, name: `Customer ${id}`, followers: 15_000 });
    return fake.addPost({ text: `@acme order ${i} has not arrived`, authorId: id });
  });
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

async function metric(app: TestApp, name: string): Promise<string> {
  return app.metrics.registry.getSingleMetricAsString(name);
}

describe('polling the mentions timeline', () => {
  it('250 mentions across 3 pages give 250 cards, once each, each post read once', async () => {
    const posts = addMentions(250);
    const app = await start();
    const outcome = await app.x.pollNow();
    expect(outcome?.timelines[0]).toMatchObject({ kind: 'mentions', read: 250, ingested: 250, caughtUp: true });
    // Three pages of posts, then one look from the new since_id for posts that came in meanwhile.
    expect(fake.requestsTo('mentions').map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(fake.requestsTo('mentions')[3]!.query.since_id).toBe(posts[249]!.id);
    expect(fake.requestsTo('mentions')[0]!.query).toMatchObject({
      expansions: 'author_id',
      'user.fields': 'username,name,public_metrics',
      'tweet.fields': expect.stringContaining('referenced_tweets'),
      max_results: '100',
    });
    await waitForCards(slack, database, posts.map((p) => p.id));
    await app.queue.drainNow();
    const rows = await xMentions(database);
    const cards = cardsByMention(slack);
    for (const p of posts) expect(cards.get(rows.get(p.id)!.id)).toBe(1);
    for (const p of posts) expect(fake.servedCount(p.id)).toBe(1);
    const one = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', posts[0]!.id).executeTakeFirstOrThrow();
    expect(one).toMatchObject({ source: 'x', author_handle: 'cust5001', author_followers: 15_000, url: `https://x.com/cust5001/status/${posts[0]!.id}` });
    expect(one.raw).toMatchObject({ tweet: { id: posts[0]!.id }, user: { username: 'cust5001' } });

    // Caught up: the next poll asks from the newest id and reads nothing again.
    await app.x.pollNow();
    expect(fake.requestsTo('mentions').at(-1)!.query.since_id).toBe(posts[249]!.id);
    expect(fake.totalServed()).toBe(250);
    expect(await metric(app, 'earshot_x_posts_read_total')).toMatch(/source="mentions"} 250/);
  });

  it('killed mid-way and restarted: none missed, none carded twice, only the page in flight read again', async () => {
    const posts = addMentions(250, '5002');
    fake.setLatency(300);
    // This replica posts no cards, so nothing competes with the test for the event loop.
    const first = await start({}, { manual: true, stopGraceMs: 0 }, false);
    const polling = first.x.pollNow();
    // (A request's endpoint is filled in once the fake answers; its path is known on arrival.)
    await waitUntil(() => fake.requests.filter((r) => r.path.endsWith('/mentions')).length === 2, PATIENT_MS, 'the second page to be requested');
    // "Kill" while page 2 is on the wire: its answer is dropped unstored, like a crash.
    await first.stop();
    await polling;
    apps.splice(apps.indexOf(first), 1);
    const stored = await xMentions(database);
    // Page 1 was stored before page 2 was asked for; page 2 was not.
    expect(posts.filter((p) => stored.has(p.id))).toHaveLength(100);

    fake.setLatency(0);
    const second = await start();
    await second.x.pollNow();
    await waitForCards(slack, database, posts.map((p) => p.id));
    await second.queue.drainNow();

    const rows = await xMentions(database);
    const cards = cardsByMention(slack);
    const served = posts.map((p) => fake.servedCount(p.id));
    for (const p of posts) expect(cards.get(rows.get(p.id)!.id)).toBe(1);
    expect(Math.min(...served)).toBe(1);
    expect(Math.max(...served)).toBe(2);
    // Only one page (the one in flight at the kill) was served twice.
    expect(served.filter((n) => n === 2).length).toBeLessThanOrEqual(100);
    expect(fake.totalServed()).toBeLessThanOrEqual(250 + 100);
    // The restart resumed with the stored page token, not from the top.
    expect(fake.requestsTo('mentions')[2]!.query.pagination_token).toBeTruthy();
  });

  it('a graceful stop (a deploy) stores the page in flight: after the restart nothing is read twice', async () => {
    const posts = addMentions(12, '5003');
    fake.setLatency(200);
    const first = await start({}, { manual: true, pageSize: 5 }, false);
    const polling = first.x.pollNow();
    await waitUntil(() => fake.requests.filter((r) => r.path.endsWith('/mentions')).length === 2, PATIENT_MS, 'the second page to be requested');
    await first.stop();
    await polling;
    apps.splice(apps.indexOf(first), 1);
    const stored = await xMentions(database);
    expect(posts.filter((p) => stored.has(p.id))).toHaveLength(10);
    fake.setLatency(0);
    const second = await start({}, { manual: true, pageSize: 5 });
    await second.x.pollNow();
    await waitForCards(slack, database, posts.map((p) => p.id));
    expect(posts.map((p) => fake.servedCount(p.id))).toEqual(posts.map(() => 1));
  });

  it('gives no card to the brand’s own posts, retweets, muted handles or muted words, and counts them', async () => {
    fake.addUser({ id: '6001', username: 'jo', followers: 80 });
    fake.addUser({ id: '6002', username: 'Spammer' });
    const own = fake.addPost({ text: '@acme we are looking into it', authorId: fake.brand.id });
    const real = fake.addPost({ text: '@acme the app is down again', authorId: '6001' });
    const rt = fake.addPost({ text: 'RT @jo: @acme the app is down again', authorId: '6003', referencedTweets: [{ type: 'retweeted', id: real.id }] });
    const muted = fake.addPost({ text: '@acme follow me', authorId: '6002' });
    const word = fake.addPost({ text: '@acme huge GIVEAWAY today', authorId: '6004' });
    const app = await start({ X_MUTED_HANDLES: '@spammer, other', X_MUTED_WORDS: 'giveaway,crypto airdrop' });
    await app.x.pollNow();
    await waitForCards(slack, database, [real.id]);
    const rows = await xMentions(database);
    for (const p of [own, rt, muted, word]) expect(rows.has(p.id)).toBe(false);
    const skipped = await metric(app, 'earshot_x_posts_skipped_total');
    for (const reason of ['own_post', 'retweet', 'muted_handle', 'muted_word']) expect(skipped).toContain(`reason="${reason}"} 1`);
  });

  it('retweets are carded when X_INCLUDE_RETWEETS=true', async () => {
    const original = fake.addPost({ text: 'hello', authorId: '6101', mentionsBrand: false });
    const rt = fake.addPost({ text: 'RT @x: @acme hello', authorId: '6102', referencedTweets: [{ type: 'retweeted', id: original.id }] });
    const app = await start({ X_INCLUDE_RETWEETS: 'true' });
    await app.x.pollNow();
    expect((await xMentions(database)).has(rt.id)).toBe(true);
  });

  it('recent search finds mentions without an @ and leaves @mentions to the mentions timeline', async () => {
    const withAt = fake.addPost({ text: '@acme my card was charged twice', authorId: '6201' });
    const noAt = fake.addPost({ text: 'acme support has been ignoring me for days', authorId: '6202', mentionsBrand: false });
    const app = await start({ X_SEARCH_QUERY: 'acme OR #acmefail' });
    const outcome = await app.x.pollNow();
    expect(outcome?.timelines.map((t) => t.kind)).toEqual(['mentions', 'search']);
    const search = fake.requestsTo('search')[0]!;
    expect(search.query.query).toBe('(acme OR #acmefail) -@acme -from:acme -is:retweet');
    const rows = await xMentions(database);
    expect(rows.has(withAt.id) && rows.has(noAt.id)).toBe(true);
    expect(fake.servedCount(withAt.id)).toBe(1);
    expect(fake.servedCount(noAt.id)).toBe(1);
    await app.x.pollNow();
    expect(fake.requestsTo('search').at(-1)!.query.since_id).toBe(noAt.id);
  });
});

describe('several replicas', () => {
  it.skipIf(!usingServer)('one polls at a time (advisory lock) and another takes over when it stops', async () => {
    const a = await start({ X_POLL_SECONDS: '1' }, {});
    await start({ X_POLL_SECONDS: '1' }, {});
    const early = addMentions(20, '7301');
    await waitForCards(slack, database, early.map((p) => p.id));
    await a.stop();
    apps.splice(apps.indexOf(a), 1);
    const late = addMentions(20, '7302');
    await waitForCards(slack, database, late.map((p) => p.id));
    const rows = await xMentions(database);
    const cards = cardsByMention(slack);
    for (const p of [...early, ...late]) {
      expect(fake.servedCount(p.id)).toBe(1);
      expect(cards.get(rows.get(p.id)!.id)).toBe(1);
    }
  });
});

describe('rate limits and errors', () => {
  it('a 429: no request to the endpoint before x-rate-limit-reset, then it resumes', async () => {
    const posts = addMentions(3, '7001');
    // The window outlasts the app's start on a busy machine, so its first poll meets the 429.
    fake.exhaust('mentions', 8);
    const resetMs = fake.rateLimitStatus('mentions').reset * 1000;
    const app = await start({ X_POLL_SECONDS: '1' }, { gate: { resetMarginMs: 100 } });
    await waitUntil(() => fake.requestsTo('mentions').some((r) => r.status === 429), PATIENT_MS, 'the 429');
    // Asking now changes nothing: the gate holds the call back.
    const before = fake.requestsTo('mentions').length;
    await app.x.pollNow();
    if (Date.now() < resetMs) expect(fake.requestsTo('mentions').length).toBe(before);
    await waitForCards(slack, database, posts.map((p) => p.id), PATIENT_MS);
    const log = fake.requestsTo('mentions');
    expect(log.filter((r) => r.status === 429)).toHaveLength(1);
    for (const r of log.slice(1)) expect(r.at).toBeGreaterThanOrEqual(resetMs);
    expect(await metric(app, 'earshot_x_rate_limit_waits_total')).toMatch(/endpoint="mentions"} [1-9]/);
  });

  it('a window used up mid catch-up (x-rate-limit-remaining: 0): waits for the reset without a 429', async () => {
    // Long enough that the first two pages fall in one window however busy the machine.
    fake.setRateLimit('mentions', { limit: 2, windowSeconds: 4 });
    const posts = addMentions(12, '7101');
    // The window's reset as sent with the second answer (x-rate-limit-remaining: 0).
    let resetMs = 0;
    const onRequest = (r: { endpoint?: string }) => {
      if (r.endpoint === 'mentions' && fake.requestsTo('mentions').length === 2) resetMs = fake.rateLimitStatus('mentions').reset * 1000;
    };
    fake.on('request', onRequest);
    await start({ X_POLL_SECONDS: '1' }, { pageSize: 5, gate: { resetMarginMs: 100 } });
    await waitForCards(slack, database, posts.map((p) => p.id), PATIENT_MS);
    fake.off('request', onRequest);
    expect(resetMs).toBeGreaterThan(0);
    const log = fake.requestsTo('mentions');
    expect(log.every((r) => r.status === 200)).toBe(true);
    expect(log[2]!.at).toBeGreaterThanOrEqual(resetMs);
    expect(log[2]!.query.pagination_token).toBeTruthy();
    expect(posts.every((p) => fake.servedCount(p.id) === 1)).toBe(true);
  });

  it('backs off after a 5xx and reads the same page again', async () => {
    const posts = addMentions(2, '7201');
    fake.failNext('mentions', 503);
    // The back-off ends when the test moves the app's clock past it, however slow the machine.
    const clock = new SteppingClock();
    const app = await start({}, { manual: true, gate: { backoffBaseMs: 60_000 } }, true, clock);
    const first = await app.x.pollNow();
    expect(first?.timelines[0]).toMatchObject({ caughtUp: false, read: 0 });
    expect((await app.x.pollNow())?.timelines[0]?.read).toBe(0);
    expect(fake.requestsTo('mentions')).toHaveLength(1);
    clock.advance(60_000 + 1);
    expect((await app.x.pollNow())?.timelines[0]).toMatchObject({ caughtUp: true, read: 2 });
    expect(posts.every((p) => fake.servedCount(p.id) === 1)).toBe(true);
  });

  it('refused credentials: /readyz stays 200 and says why, the rest of the bot keeps working', async () => {
    const app = await start({ X_BEARER_TOKEN: 'revoked-token' });
    await app.x.pollNow();
    const r = await fetch(`${app.url}/readyz`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { checks: { name: string; ok: boolean; required: boolean; detail: string }[] };
    const x = body.checks.find((c) => c.name === 'x')!;
    expect(x).toMatchObject({ ok: false, required: false });
    expect(x.detail).toMatch(/401/);
    expect(x.detail).toMatch(/X_BEARER_TOKEN/);
    expect((await app.webhook(sampleMention())).status).toBe(202);
    // Not hammered: the next tick waits out the auth back-off.
    const n = fake.requests.length;
    await app.x.pollNow();
    expect(fake.requests.length).toBe(n);
  });

  it('an unknown brand handle is reported, not retried every tick into a crash', async () => {
    const app = await start({ X_BRAND_USERNAME: 'nobody_here' });
    expect((await app.x.pollNow())?.brand).toBeUndefined();
    expect(app.x.check()).toMatchObject({ ok: false, detail: expect.stringContaining('@nobody_here') });
  });
});
