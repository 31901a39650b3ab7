import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE } from '../support/app.js';
import type { BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { blockAction, interactionBody, slackHeaders } from '../support/slack-requests.js';
import {
  botEnv,
  cardsPerMention,
  crashLines,
  duplicatesIn,
  faultMention,
  messagesPerJob,
  queueDepth,
  secretLeaks,
  secretsOf,
  sendBatch,
  sleep,
  startFaultBot,
  usingServer,
  waitUntil,
  type SendLog,
} from './harness.js';

/**
 * Three replicas on one Postgres server through the whole scenario: webhook mentions spread over
 * them, every replica polling X and sweeping the SLA every 2 s (one at a time, by advisory lock),
 * the card queue shared with SKIP LOCKED, and three people clicking Claim on the same card on
 * three different replicas at once. No card, reminder, thread line or X read happens twice.
 * Needs a Postgres server (TEST_DATABASE_URL).
 */

const REPLICAS = 3;
const MENTIONS = 450;
const X_POSTS = 90;
const CONTESTED = 30;

let slack: FakeSlack;
let x: FakeX;
let tdb: TestDatabase;
const bots: BotProcess[] = [];

beforeAll(async () => {
  if (!usingServer) return;
  [slack, x, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  // The people who click are the team: the triage channel's members.
  // Ten people at each replica: earshot paces each person's state changes (a burst of 20), so one
  // person clicking all 30 cards at once would be told to wait, which is not what this tests.
  slack.setChannelMembers(TRIAGE, [0, 1, 2].flatMap((r) => Array.from({ length: 10 }, (_, k) => `UREP${r}_${k}`)));
  const env = botEnv({ slack, x, db: tdb, extra: { SLA_SWEEP_CRON: '*/2 * * * * *', SLACK_POSTS_PER_SECOND: '40' } });
  // One at a time: the first applies the migrations, the others find them applied.
  for (let i = 0; i < REPLICAS; i++) bots.push(await startFaultBot({ name: `replica-${i}`, file: `replica-${i}`, env }));
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.kill()));
  await Promise.all([slack?.close(), x?.close()]);
  await tdb?.drop();
});

async function click(bot: BotProcess, user: string, mentionId: number): Promise<number> {
  const body = interactionBody(blockAction({ user, actionId: ACTION.claim, value: String(mentionId), channel: TRIAGE }));
  const r = await fetch(`${bot.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) });
  await r.text();
  return r.status;
}

describe.skipIf(!usingServer)('three replicas on one Postgres', () => {
  it('no duplicate card, reminder, thread line or X read', async () => {
    const log: SendLog = { statuses: [], connectionErrors: 0 };
    const postIds: string[] = [];
    // A third posted now, a third 50 minutes ago (the warning is due), a third 70 minutes ago (overdue).
    const age = (i: number) => [0, 50, 70][i % 3]! * 60_000;
    const mentions = Array.from({ length: MENTIONS }, (_, i) => faultMention(`rep-${i}`, { posted_at: new Date(Date.now() - age(i)).toISOString() }));
    const sends: Promise<void>[] = [];
    for (let b = 0; b < MENTIONS / 15; b++) {
      const bot = bots[b % REPLICAS]!;
      sends.push(sendBatch(() => bot.url, mentions.slice(b * 15, b * 15 + 15), log));
      // Each post from another customer: one author's posts would join one case (one card).
      for (let p = 0; p < X_POSTS / (MENTIONS / 15); p++) {
        const author = x.addUser({ username: `replicafan_${postIds.length}`, followers: 3_000 });
        postIds.push(x.addPost({ text: `@${x.brand.username} replica post ${postIds.length}`, authorId: author.id }).id);
      }
      await sleep(100);
    }
    await Promise.all(sends);

    // Contested claims: the same card clicked on all three replicas at the same moment.
    await waitUntil(() => cardsPerMention(slack).size >= CONTESTED, 30_000, 'the first cards');
    const contested = [...cardsPerMention(slack).keys()].slice(0, CONTESTED);
    const statuses = await Promise.all(contested.flatMap((id, i) => bots.map((bot, r) => click(bot, `UREP${r}_${i % 10}`, id))));
    expect(statuses.every((s) => s === 200)).toBe(true);

    const expectedCards = MENTIONS + X_POSTS;
    await waitUntil(
      async () => cardsPerMention(slack).size >= expectedCards && (await Promise.all(bots.map(queueDepth))).every((d) => d === 0),
      90_000,
      () => `${expectedCards} cards and empty queues (have ${cardsPerMention(slack).size})`,
    );
    // Two more sweep ticks: a reminder that could be queued twice would be by now.
    await sleep(4_500);
    await waitUntil(async () => (await Promise.all(bots.map(queueDepth))).every((d) => d === 0), 30_000, 'empty queues');
    const cardsByReplica = await Promise.all(
      bots.map(async (b) => Number(/^earshot_cards_posted_total (\d+)/m.exec(await (await fetch(`${b.url}/metrics`)).text())?.[1] ?? 0)),
    );
    for (const b of bots) expect(b.alive).toBe(true);
    await Promise.all(bots.map((b) => b.stop()));

    const database = await tdb.open();
    try {
      const rows = await database.db.selectFrom('mentions').select(['id', 'source', 'external_id', 'card_ts', 'owner_id', 'posted_at']).execute();
      const cards = cardsPerMention(slack);
      expect(rows).toHaveLength(expectedCards);
      expect(rows.filter((r) => !r.card_ts || cards.get(r.id) !== 1)).toEqual([]);
      expect(duplicatesIn(cards)).toBe(0);
      expect(slack.topLevel(TRIAGE)).toHaveLength(expectedCards);

      // Reminders: each due one queued once and posted once, in the card's thread.
      const reminders = await database.db.selectFrom('slack_jobs').select(['id', 'mention_id', 'dedupe_key', 'status']).where('dedupe_key', 'like', 'reminder:%').execute();
      const byMention = new Map<number, string[]>();
      for (const j of reminders) byMention.set(j.mention_id!, [...(byMention.get(j.mention_id!) ?? []), j.dedupe_key!.split(':')[2]!]);
      const facebook = rows.filter((r) => r.source === 'facebook');
      const minutesOld = (r: (typeof rows)[number]) => Math.round((Date.now() - r.posted_at.getTime()) / 60_000);
      const warned = facebook.filter((r) => minutesOld(r) >= 45 && minutesOld(r) < 60);
      const overdue = facebook.filter((r) => minutesOld(r) >= 60);
      expect(warned.length).toBeGreaterThan(100);
      expect(overdue.length).toBeGreaterThan(100);
      for (const r of warned) expect(byMention.get(r.id)).toEqual(['warning']);
      for (const r of overdue) expect(byMention.get(r.id)).toEqual(['overdue']);
      expect(reminders.filter((j) => j.status !== 'done')).toEqual([]);
      const perJob = messagesPerJob(slack);
      expect(reminders.filter((j) => perJob.get(String(j.id)) !== 1).map((j) => j.dedupe_key)).toEqual([]);
      expect(duplicatesIn(perJob)).toBe(0);

      // Contested claims: one owner each, one "claimed this" line each.
      for (const id of contested) {
        const row = rows.find((r) => r.id === id)!;
        expect(row.owner_id).toMatch(/^UREP[0-2]_\d$/);
        const lines = slack.thread(TRIAGE, row.card_ts!).filter((m) => (m.text ?? '').includes('claimed this'));
        expect(lines).toHaveLength(1);
      }
      const losers = slack.ephemerals.filter((e) => /already claimed/i.test(e.text ?? ''));
      expect(losers).toHaveLength(CONTESTED * (REPLICAS - 1));
    } finally {
      await database.close();
    }
    // X: every post read exactly once across the replicas.
    expect(postIds.filter((id) => x.servedCount(id) !== 1)).toEqual([]);
    // The queue's work was shared.
    expect(cardsByReplica.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(log.statuses.every((s) => s === 202)).toBe(true);
    expect(crashLines(bots)).toEqual([]);
  });

  it('no secret value appears in any line the replicas wrote', () => {
    expect(secretLeaks(bots, secretsOf(tdb))).toEqual([]);
  });
});
