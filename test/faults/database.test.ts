import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE } from '../support/app.js';
import type { BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import {
  botEnv,
  cardsPerMention,
  crashLines,
  duplicatesIn,
  faultMention,
  queueDepth,
  secretLeaks,
  secretsOf,
  sendBatch,
  sleep,
  startFaultBot,
  summarize,
  usingServer,
  waitUntil,
  type SendLog,
} from './harness.js';

/**
 * The database goes away under a running bot, twice: its server connections are killed
 * (pg_terminate_backend), then the server becomes unreachable for a few seconds (a TCP proxy
 * between the bot and Postgres is cut). The bot keeps running (same process), the webhook answers
 * 503 while it cannot store, and once the database is back everything sent, polled and queued
 * arrives, once. Needs a Postgres server (TEST_DATABASE_URL); skipped on the embedded database.
 */

let slack: FakeSlack;
let x: FakeX;
let tdb: TestDatabase;
let proxy: TcpProxy;
let bot: BotProcess;
const bots: BotProcess[] = [];
const log: SendLog = { statuses: [], connectionErrors: 0 };
const sentIds: string[] = [];
const postIds: string[] = [];

beforeAll(async () => {
  if (!usingServer) return;
  [slack, x, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  const target = new URL(tdb.url!);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(tdb.url!);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  bot = await startFaultBot({ name: 'database', file: 'database', env: botEnv({ slack, x, db: { url: viaProxy.toString() } }) });
  bots.push(bot);
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.kill()));
  await proxy?.close();
  await Promise.all([slack?.close(), x?.close()]);
  await tdb?.drop();
});

/** `batches` batches of 20 webhook mentions, one every `everyMs`, each sent until stored; plus X posts. */
async function traffic(label: string, batches: number, everyMs: number): Promise<void> {
  const sends: Promise<void>[] = [];
  for (let i = 0; i < batches; i++) {
    const mentions = Array.from({ length: 20 }, (_, k) => faultMention(`${label}-${i * 20 + k}`));
    sentIds.push(...mentions.map((m) => String(m.id)));
    sends.push(sendBatch(() => bot.url, mentions, log, { retryMs: 250 }));
    // Each post from another customer: one author's posts would join one case (one card).
    const authorId = x.addUser({ username: `dbfan_${label}_${i}`, followers: 40 }).id;
    postIds.push(x.addPost({ text: `@${x.brand.username} ${label} post ${i}`, authorId }).id);
    await sleep(everyMs);
  }
  await Promise.all(sends);
}

async function everythingArrived(): Promise<void> {
  const expected = sentIds.length + postIds.length;
  await waitUntil(
    async () => cardsPerMention(slack).size >= expected && (await queueDepth(bot)) === 0,
    // A job whose connection was killed between its Slack call and its bookkeeping waits for its
    // lease (10 s) to run out; then it finds its message in Slack instead of posting again.
    100_000,
    () => `${expected} cards and an empty queue (have ${cardsPerMention(slack).size})`,
  );
}

async function readyz(): Promise<number> {
  try {
    return (await fetch(`${bot.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

describe.skipIf(!usingServer)('the database connection lost mid-run', () => {
  it('pg_terminate_backend on every connection of the bot: it recovers by itself, nothing lost', async () => {
    const pid = bot.pid;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    let terminated = 0;
    try {
      const killing = (async () => {
        for (const at of [800, 1_500, 1_500]) {
          await sleep(at);
          const r = await admin.query<{ pid: number }>('select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [
            new URL(tdb.url!).pathname.slice(1),
          ]);
          terminated += r.rowCount ?? 0;
        }
      })();
      await traffic('term', 15, 250);
      await killing;
    } finally {
      await admin.end();
    }
    await everythingArrived();
    expect(terminated).toBeGreaterThan(0);
    expect(bot.alive && bot.pid === pid).toBe(true);
    expect(await readyz()).toBe(200);
    expect(log.statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
  });

  it('the server unreachable for 4 s (connection cut): 503 meanwhile, then everything arrives without a restart', async () => {
    const pid = bot.pid;
    const before = log.statuses.length;
    const during: number[] = [];
    const outage = (async () => {
      await sleep(1_000);
      await proxy.cut();
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        during.push(await readyz());
        await sleep(250);
      }
      await proxy.restore();
    })();
    await traffic('cut', 15, 400);
    await outage;
    await everythingArrived();
    expect(await readyz()).toBe(200);
    expect(bot.alive && bot.pid === pid).toBe(true);
    const statuses = log.statuses.slice(before);
    console.log(`[earshot faults] database cut: webhook answers ${summarize(statuses)}, /readyz during the cut ${summarize(during)}`);
    expect(statuses).toContain(503);
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect(during.filter((s) => s !== 503)).toEqual([]);
  });

  it('afterwards: every mention stored once with exactly one card; no error a person must act on', async () => {
    await bot.stop();
    const database = await tdb.open();
    try {
      const rows = await database.db.selectFrom('mentions').select(['id', 'source', 'external_id', 'card_ts']).execute();
      expect(rows.filter((r) => r.source === 'facebook').map((r) => r.external_id).sort()).toEqual([...sentIds].sort());
      expect(rows.filter((r) => r.source === 'x').map((r) => r.external_id).sort()).toEqual([...postIds].sort());
      const cards = cardsPerMention(slack);
      expect(rows.filter((r) => !r.card_ts || cards.get(r.id) !== 1)).toEqual([]);
      expect(duplicatesIn(cards)).toBe(0);
      expect(slack.topLevel(TRIAGE)).toHaveLength(rows.length);
      // X bills every read: a page read while the database was away is stored from memory, not read again.
      for (const id of postIds) expect(x.servedCount(id)).toBe(1);
    } finally {
      await database.close();
    }
    expect(crashLines(bots)).toEqual([]);
  });

  it('no secret value appears in any line the bot wrote', () => {
    expect(secretLeaks(bots, secretsOf(tdb))).toEqual([]);
  });
});
