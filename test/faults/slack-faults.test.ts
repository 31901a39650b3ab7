import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
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
  seededRandom,
  sendBatch,
  sleep,
  startFaultBot,
  summarize,
  waitUntil,
  type SendLog,
} from './harness.js';

/**
 * Slack answers 30 % of all Web API calls with 500, 503 or 429 (and a few posts that succeed but
 * whose answer never arrives) for a window — the minute, scaled down to 15 s — while
 * mentions arrive and people click Claim. Afterwards nothing is lost and nothing posted twice:
 * one card per mention, one thread line per claim, every earshot message once per job.
 */

const WINDOW_MS = 15_000;
const MENTIONS = 500;

let slack: FakeSlack;
let tdb: TestDatabase;
const bots: BotProcess[] = [];

beforeAll(async () => {
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  // The people who click are the team: the triage channel's members.
  slack.setChannelMembers(TRIAGE, ['UWARM', ...Array.from({ length: 200 }, (_, i) => `UCLAIM${i}`)]);
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.kill()));
  await slack?.close();
  await tdb?.drop();
});

async function click(bot: BotProcess, user: string, mentionId: number): Promise<number> {
  const body = interactionBody(blockAction({ user, actionId: ACTION.claim, value: String(mentionId), channel: TRIAGE }));
  const r = await fetch(`${bot.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) });
  await r.text();
  return r.status;
}

describe('Slack failing 30 % of calls with 500s and 429s', () => {
  it('loses nothing and posts nothing twice', async () => {
    const rnd = seededRandom('slack-faults');
    const bot = await startFaultBot({ name: 'slack-faults', file: 'slack-faults', env: botEnv({ slack, db: tdb }) });
    bots.push(bot);
    // One click before the faults start, so the bot's identity (auth.test) is known.
    expect(await click(bot, 'UWARM', 999_999)).toBe(200);

    slack.failRate('*', { probability: 0.3, kinds: ['500', '429', '503', '500', '429', 'timeout-after-commit'], retryAfter: 1, seed: rnd.seed, forMs: WINDOW_MS });
    const started = Date.now();
    const log: SendLog = { statuses: [], connectionErrors: 0 };
    const batches: unknown[][] = [];
    for (let i = 0; i < MENTIONS; i += 20) batches.push(Array.from({ length: 20 }, (_, k) => faultMention(`slack-${i + k}`)));
    const sending = (async () => {
      for (const b of batches) {
        await sendBatch(() => bot.url, b, log);
        await sleep(WINDOW_MS / batches.length / 2);
      }
    })();
    // People claim cards as they appear, during the window.
    const claimed = new Map<number, string>();
    const clickStatuses: number[] = [];
    while (Date.now() - started < WINDOW_MS - 1_000) {
      const open = [...cardsPerMention(slack).keys()].filter((id) => !claimed.has(id));
      for (const id of open.slice(0, 3)) {
        const user = `UCLAIM${claimed.size}`;
        claimed.set(id, user);
        clickStatuses.push(await click(bot, user, id));
      }
      await sleep(rnd.between(100, 400));
    }
    await sending;
    const inWindow = slack.calls.filter((c) => c.at <= started + WINDOW_MS);
    const faults = inWindow.filter((c) => c.fault !== undefined && c.fault !== 'ratelimited').length;

    // Back-offs after the window may be long (a job that failed four times waits ~8 s).
    await waitUntil(
      async () => cardsPerMention(slack).size >= MENTIONS && (await queueDepth(bot)) === 0,
      120_000,
      () => `${MENTIONS} cards and an empty queue (have ${cardsPerMention(slack).size} cards)`,
    );
    await sleep(1_000);
    expect(bot.alive).toBe(true);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    await bot.stop();

    const database = await tdb.open();
    try {
      const rows = await database.db.selectFrom('mentions').select(['id', 'external_id', 'card_ts', 'owner_id']).execute();
      const cards = cardsPerMention(slack);
      expect(rows).toHaveLength(MENTIONS);
      expect(rows.filter((r) => !r.card_ts || cards.get(r.id) !== 1).map((r) => ({ id: r.id, card_ts: r.card_ts, cards: cards.get(r.id) ?? 0 }))).toEqual([]);
      expect(duplicatesIn(cards)).toBe(0);
      expect(slack.topLevel(TRIAGE)).toHaveLength(MENTIONS);
      // Every claim went through and its card shows it: one "claimed this" line, the card updated.
      for (const [id, user] of claimed) {
        const row = rows.find((r) => r.id === id)!;
        expect(row.owner_id).toBe(user);
        const lines = slack.thread(TRIAGE, row.card_ts!).filter((m) => (m.text ?? '').includes('claimed this'));
        expect(lines.map((m) => m.text)).toHaveLength(1);
        const card = slack.topLevel(TRIAGE).find((m) => m.ts === row.card_ts)!;
        expect(JSON.stringify(card.blocks)).toContain(user);
      }
      // Every Slack write of the queue reached Slack once (the metadata names its job).
      expect(duplicatesIn(messagesPerJob(slack))).toBe(0);
      const failed = await database.db.selectFrom('slack_jobs').select(['id', 'kind', 'last_error']).where('status', '!=', 'done').execute();
      expect(failed).toEqual([]);
    } finally {
      await database.close();
    }
    console.log(
      `[earshot faults] slack-faults: ${faults} injected faults in ${inWindow.length} calls in ${WINDOW_MS / 1000} s, ${claimed.size} claims, webhook answers ${summarize(log.statuses)}, ` +
        `429s obeyed ${/^earshot_slack_rate_limited_total (\d+)/m.exec(metrics)?.[1] ?? '?'}`,
    );
    // About 30 % of the calls in the window drew a fault.
    expect(faults).toBeGreaterThan(30);
    expect(faults / inWindow.length).toBeGreaterThan(0.2);
    expect(claimed.size).toBeGreaterThan(10);
    expect(clickStatuses.every((s) => s === 200)).toBe(true);
    expect(log.statuses.every((s) => s === 202)).toBe(true);
    expect(crashLines(bots)).toEqual([]);
  });

  it('no secret value appears in any line the bot wrote', () => {
    expect(secretLeaks(bots, secretsOf(tdb))).toEqual([]);
  });
});
