import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import type { BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fuzzRequests, type FuzzRequest } from './fuzz-payloads.js';
import { botEnv, crashLines, faultMention, secretLeaks, secretsOf, seededRandom, sendBatch, startFaultBot, type SendLog } from './harness.js';

/**
 * 5,000 random and mutated requests against /ingest/mentions and /slack/events, signed and not:
 * the bot stays up, answers every one with a 2xx or 4xx (never a 5xx, never a dropped
 * connection), and logs no unhandled rejection or uncaught exception. Runs on the embedded
 * database too.
 */

const REQUESTS = 5_000;
const CONCURRENCY = 48;

let slack: FakeSlack;
let tdb: TestDatabase;
let bot: BotProcess;

beforeAll(async () => {
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  bot = await startFaultBot({ name: 'fuzz', file: 'fuzz', env: botEnv({ slack, db: tdb }) });
});

afterAll(async () => {
  await bot?.kill();
  await slack?.close();
  await tdb?.drop();
});

describe('5,000 random and mutated payloads', () => {
  it('the bot stays up and answers only 2xx and 4xx', async () => {
    const rnd = seededRandom('fuzz');
    // A few real mentions, so signed clicks and submissions can name existing ones too.
    const log: SendLog = { statuses: [], connectionErrors: 0 };
    await sendBatch(() => bot.url, Array.from({ length: 10 }, (_, i) => faultMention(`fuzz-base-${i}`)), log);
    const requests = fuzzRequests(rnd.next, REQUESTS, Array.from({ length: 10 }, (_, i) => i + 1), () => slack.responseUrl());

    const answers: { status: number; req: FuzzRequest; error?: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const req = requests[next++]!;
          try {
            const r = await fetch(`${bot.url}${req.path}`, { method: 'POST', body: req.body, headers: req.headers, signal: AbortSignal.timeout(20_000) });
            await r.arrayBuffer();
            answers.push({ status: r.status, req });
          } catch (err) {
            answers.push({ status: 0, req, error: (err as Error).message });
          }
        }
      }),
    );

    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    console.log(`[earshot faults] fuzz: answers ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    const bad = answers.filter((a) => a.status < 200 || a.status >= 500);
    // A 413 may close the connection before the client finished sending its 1 MB: not a failure.
    const real = bad.filter((a) => !(a.status === 0 && a.req.label.includes('large')));
    expect(real.slice(0, 10).map((a) => `${a.status} ${a.req.label}${a.error ? ` (${a.error})` : ''}`)).toEqual([]);
    expect(answers).toHaveLength(REQUESTS);
    expect(byStatus.get(202) ?? 0).toBeGreaterThan(100);
    expect(byStatus.get(401) ?? 0).toBeGreaterThan(100);

    // Still up, still working.
    expect(bot.alive).toBe(true);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    await sendBatch(() => bot.url, [faultMention('fuzz-after')], log);
    expect(log.statuses).toEqual([202, 202]);
    expect(crashLines([bot])).toEqual([]);
  });

  it('no secret value appears in any line the bot wrote', async () => {
    await bot.stop();
    expect(secretLeaks([bot], secretsOf(tdb))).toEqual([]);
  });
});
