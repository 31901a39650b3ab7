import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE } from '../support/app.js';
import { freePort, type BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  botEnv,
  cardsPerMention,
  crashLines,
  duplicatesIn,
  faultMention,
  queueDepth,
  secretLeaks,
  secretsOf,
  seededRandom,
  sendBatch,
  sleep,
  startFaultBot,
  summarize,
  waitUntil,
  xRereads,
  type SendLog,
} from './harness.js';

/**
 * SIGKILL at random moments while 1,000 mentions arrive through the webhook and posts appear on
 * X, restart on the same port each time. Afterwards every mention has exactly one card, and no X
 * post was read again beyond the page that was in flight when the bot died.
 */

const WEBHOOK_MENTIONS = 1000;
const BATCH = 20;
const X_POSTS = 150;
/** X's max_results per page, as the poller asks for it: what a kill can make it read again. */
const X_PAGE = 100;

let slack: FakeSlack;
let x: FakeX;
let tdb: TestDatabase;
let port: number;
const bots: BotProcess[] = [];
let current: BotProcess | undefined;

beforeAll(async () => {
  [slack, x, tdb, port] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase(), freePort()]);
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.kill()));
  await Promise.all([slack?.close(), x?.close()]);
  await tdb?.drop();
});

async function start(): Promise<BotProcess> {
  const bot = await startFaultBot({ name: `kill-${bots.length}`, file: 'kill', port, env: botEnv({ slack, x, db: tdb }) });
  bots.push(bot);
  current = bot;
  return bot;
}

describe('SIGKILL at random moments, then restart', () => {
  it('every mention gets exactly one card; no X post is read twice beyond the page in flight', async () => {
    const rnd = seededRandom('kill');
    await start();
    const postIds: string[] = [];
    const log: SendLog = { statuses: [], connectionErrors: 0 };
    let producing = true;

    // Two senders, each a batch at a time with short random pauses: about 15 s of arrivals.
    const batches: unknown[][] = [];
    for (let i = 0; i < WEBHOOK_MENTIONS; i += BATCH) batches.push(Array.from({ length: BATCH }, (_, k) => faultMention(`kill-${i + k}`)));
    let nextBatch = 0;
    const sender = async () => {
      while (nextBatch < batches.length) {
        const b = batches[nextBatch++]!;
        await sendBatch(() => `http://127.0.0.1:${port}`, b, log);
        await sleep(rnd.between(100, 450));
      }
    };
    const xProducer = async () => {
      for (let i = 0; i < X_POSTS; i++) {
        // Each post from another customer: one author's posts would join one case (one card).
        const author = x.addUser({ username: `killfan_${i}`, followers: 900 });
        postIds.push(x.addPost({ text: `@${x.brand.username} kill test post ${i}`, authorId: author.id }).id);
        await sleep(rnd.between(50, 150));
      }
    };
    const killer = async () => {
      let kills = 0;
      // At least 3 kills, and at most 6 (a slow start-up, embedded, would otherwise add more).
      while ((producing && kills < 6) || kills < 3) {
        await sleep(rnd.between(1_000, 3_500));
        await current!.kill('SIGKILL');
        kills++;
        await sleep(rnd.between(100, 1_200));
        await start();
      }
      return kills;
    };
    const killing = killer();
    await Promise.all([sender(), sender(), xProducer()]);
    producing = false;
    const kills = await killing;

    // Jobs a killed process had leased wait for their lease (60 s) to expire, then run once.
    const expected = WEBHOOK_MENTIONS + X_POSTS;
    await waitUntil(
      async () => cardsPerMention(slack).size >= expected && (await queueDepth(current!)) === 0,
      120_000,
      () => `${expected} cards and an empty queue (have ${cardsPerMention(slack).size} cards)`,
    );
    await sleep(1_500);
    const alive = current!;
    expect(alive.alive).toBe(true);
    await alive.stop();

    const database = await tdb.open();
    try {
      const rows = await database.db.selectFrom('mentions').select(['id', 'source', 'external_id', 'card_ts']).execute();
      const cards = cardsPerMention(slack);
      expect(rows.filter((r) => r.source === 'facebook').map((r) => r.external_id).sort()).toEqual(batches.flat().map((m) => (m as { id: string }).id).sort());
      expect(rows.filter((r) => r.source === 'x').map((r) => r.external_id).sort()).toEqual([...postIds].sort());
      expect(rows.filter((r) => !r.card_ts)).toEqual([]);
      expect(rows.filter((r) => cards.get(r.id) !== 1).map((r) => ({ id: r.id, cards: cards.get(r.id) ?? 0 }))).toEqual([]);
      expect(duplicatesIn(cards)).toBe(0);
      // Nothing else was posted to the channel (a card without its metadata would be a stray).
      expect(slack.topLevel(TRIAGE).length).toBe(rows.length);
    } finally {
      await database.close();
    }

    const rereads = xRereads(x, postIds);
    console.log(`[earshot faults] kill: ${kills} kills, webhook answers ${summarize(log.statuses)}, X posts read again: ${rereads.posts} (${rereads.extraReads} extra reads)`);
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(rereads.extraReads).toBeLessThanOrEqual(kills * X_PAGE);
    expect(rereads.maxServed).toBeLessThanOrEqual(kills + 1);
    // The sender only ever saw "stored", "retry later" or a dropped connection.
    expect(log.statuses.filter((s) => s !== 202 && s !== 503 && s !== 0)).toEqual([]);
    expect(crashLines(bots)).toEqual([]);
  });

  it('no secret value appears in any line the bots wrote', () => {
    expect(bots.length).toBeGreaterThan(0);
    expect(secretLeaks(bots, secretsOf(tdb))).toEqual([]);
  });
});
