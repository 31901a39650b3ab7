import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createXClients } from '../../src/sources/x/client.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { FAKE_X_BEARER_TOKEN, startFakeX, type FakeX } from '../fakes/x-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { cardsByMention, waitForCards, xEnv, xMentions } from '../support/x.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp | undefined;

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX({ heartbeatMs: 200 }), createTestDatabase()]);
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

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

const answered = (endpoint: 'mentions' | 'search', n = 1) => () => fake.requestsTo(endpoint).filter((r) => r.status === 200).length >= n;

describe('stream mode', () => {
  it('keeps earshot’s rules in step with the config and leaves other rules alone', async () => {
    const read = createXClients({ apiUrl: fake.url, bearerToken: FAKE_X_BEARER_TOKEN }).read!;
    await read.v2.updateStreamRules({ add: [{ value: 'old brand name', tag: 'earshot:search' }, { value: 'cats', tag: 'someone-else' }] });
    app = await startTestApp({ slack, database, env: xEnv(fake, { X_MODE: 'stream', X_SEARCH_QUERY: 'acme OR #acmefail' }) });
    await fake.waitForStream(PATIENT_MS);
    expect(fake.streamRules.map((r) => [r.value, r.tag]).sort()).toEqual(
      [
        ['@acme -from:acme -is:retweet', 'earshot:mentions'],
        ['(acme OR #acmefail) -@acme -from:acme -is:retweet', 'earshot:search'],
        ['cats', 'someone-else'],
      ].sort(),
    );
    const r = await fetch(`${app.url}/readyz`);
    const x = ((await r.json()) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find((c) => c.name === 'x')!;
    expect(x.ok).toBe(true);
    expect(x.detail).toMatch(/filtered stream/);
  });

  it('the stream drops: it reconnects, and the mention posted during the gap is read by a poll, once', async () => {
    app = await startTestApp({ slack, database, env: xEnv(fake, { X_MODE: 'stream', X_POLL_SECONDS: '1' }), extra: { x: { reconnectDelayMs: () => 50 } } });
    await fake.waitForStream(PATIENT_MS);
    // The poll after connecting (from the last stored id) is done before the test posts.
    await waitUntil(answered('mentions'), PATIENT_MS, 'the first gap poll');
    await new Promise((r) => setTimeout(r, 50));

    const live = fake.addPost({ text: '@acme my order is missing', authorId: '8001' });
    await waitForCards(slack, database, [live.id]);
    expect(fake.servedCount(live.id)).toBe(1);
    const pollsBefore = fake.requestsTo('mentions').length;

    expect(fake.dropStream()).toBe(true);
    const gap = fake.addPost({ text: '@acme hello?? (while the stream was down)', authorId: '8002' });
    await waitUntil(() => fake.streamConnects === 2 && fake.streamConnected, PATIENT_MS, 'the reconnect');
    await waitForCards(slack, database, [gap.id]);
    const gapPoll = fake.requestsTo('mentions').slice(pollsBefore);
    expect(gapPoll.length).toBeGreaterThanOrEqual(1);
    // The gap poll started from the last post the stream delivered: nothing read twice.
    expect(gapPoll[0]!.query.since_id).toBe(live.id);
    expect(fake.servedCount(gap.id)).toBe(1);
    expect(fake.servedCount(live.id)).toBe(1);

    // Another customer: a second post of 8001 would join its open case, without a card of its own.
    const after = fake.addPost({ text: '@acme still waiting', authorId: '8003' });
    await waitForCards(slack, database, [after.id]);
    expect(fake.servedCount(after.id)).toBe(1);
    const rows = await xMentions(database);
    const cards = cardsByMention(slack);
    for (const p of [live, gap, after]) expect(cards.get(rows.get(p.id)!.id)).toBe(1);
  });

  it('filters the stream like the poll: the brand’s own posts get no card', async () => {
    app = await startTestApp({ slack, database, env: xEnv(fake, { X_MODE: 'stream' }) });
    await fake.waitForStream(PATIENT_MS);
    await waitUntil(answered('mentions'), PATIENT_MS, 'the first gap poll');
    const real = fake.addPost({ text: '@acme refund please', authorId: '8101' });
    const own = fake.addPost({ text: '@acme note to self', authorId: fake.brand.id });
    await waitForCards(slack, database, [real.id]);
    expect((await xMentions(database)).has(own.id)).toBe(false);
  });

  it('stopped while a reconnect is on its way: that connection is closed when it lands', async () => {
    // X answers slowly, and the first connection attempt fails: the second is still waiting for its
    // answer when the app stops.
    fake.setLatency(2_000);
    fake.failNext('stream', 503);
    app = await startTestApp({ slack, database, env: xEnv(fake, { X_MODE: 'stream' }), extra: { x: { reconnectDelayMs: () => 50 } } });
    // A request's endpoint is known once answered; its path as soon as it arrives.
    const attempts = () => fake.requests.filter((r) => r.path === '/2/tweets/search/stream');
    await waitUntil(() => attempts().length === 2, PATIENT_MS, 'the second connection attempt');
    await app.stop();
    app = undefined;
    await waitUntil(() => attempts()[1]!.status === 200, PATIENT_MS, 'the second attempt answered');
    await waitUntil(() => !fake.streamConnected, PATIENT_MS, 'the late connection closed');
  });
});
