import { join } from 'node:path';
import { mulberry32 } from '../fakes/slack/faults.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { FAKE_X_BEARER_TOKEN, FAKE_X_USER_TOKENS, type FakeX } from '../fakes/x-server.js';
import { signWebhook } from '../../src/sources/webhook.js';
import { BOT_TOKEN, ESCALATIONS, TRIAGE, WEBHOOK_SECRET } from '../support/app.js';
import { botLogDir, startBot, type BotProcess, type StartBotOptions } from '../support/bot-process.js';
import type { TestDatabase } from '../support/db.js';
import { SIGNING_SECRET } from '../support/slack-requests.js';

/** Shared pieces of the fault suite: the bot's environment, a retrying webhook sender, checks. */

export const usingServer = Boolean(process.env.TEST_DATABASE_URL);

/** Every secret a child is given; none may appear in any line it writes. */
export function secretsOf(tdb?: TestDatabase): string[] {
  const password = tdb?.url ? decodeURIComponent(new URL(tdb.url).password) : '';
  return [BOT_TOKEN, SIGNING_SECRET, WEBHOOK_SECRET, FAKE_X_BEARER_TOKEN, ...Object.values(FAKE_X_USER_TOKENS), ...(password ? [password] : [])];
}

/** The bot's environment: fake Slack (and X), the test database, debug logging, the webhook on. */
export function botEnv(o: { slack: FakeSlack; x?: FakeX; db: { url?: string; dataDir?: string }; extra?: Record<string, string> }): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slack.url,
    SLACK_TRIAGE_CHANNEL: TRIAGE,
    SLACK_ESCALATION_CHANNEL: ESCALATIONS,
    SLACK_POSTS_PER_SECOND: '100',
    INGEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
    LOG_LEVEL: 'debug',
    ...(o.db.url ? { DATABASE_URL: o.db.url } : { DATA_DIR: o.db.dataDir! }),
    ...(o.x
      ? {
          X_BEARER_TOKEN: FAKE_X_BEARER_TOKEN,
          X_BRAND_USERNAME: o.x.brand.username,
          X_API_URL: o.x.url,
          X_POLL_SECONDS: '1',
          // Reply credentials too: more secrets the log must never show.
          X_API_KEY: FAKE_X_USER_TOKENS.appKey,
          X_API_SECRET: FAKE_X_USER_TOKENS.appSecret,
          X_ACCESS_TOKEN: FAKE_X_USER_TOKENS.accessToken,
          X_ACCESS_SECRET: FAKE_X_USER_TOKENS.accessSecret,
        }
      : {}),
    ...o.extra,
  };
}

/** Starts a bot whose output also goes to a log file kept for a failing run's post-mortem. */
export function startFaultBot(o: Omit<StartBotOptions, 'logFile'> & { file: string }): Promise<BotProcess> {
  return startBot({ ...o, logFile: join(botLogDir(), `${o.file}.log`) });
}

/** Lines (any child, stdout or stderr) that contain a secret value, named by bot; empty when clean. */
export function secretLeaks(bots: BotProcess[], secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const bot of bots) {
    for (const line of bot.output().split('\n')) {
      for (const s of secrets) if (line.includes(s)) leaks.push(`${bot.name}: ${line.slice(0, 300)}`);
    }
  }
  return leaks;
}

/** Log lines that mean a bug: an unhandled rejection, an uncaught exception, a 500 from our server. */
export function crashLines(bots: BotProcess[]): string[] {
  const bad: string[] = [];
  for (const bot of bots) {
    for (const l of bot.lines()) {
      const msg = String(l.msg ?? '');
      // 'request failed' is earshot's own 500 (src/http/server.ts), not a Slack client warning.
      if (msg === 'request failed' || /unhandled promise rejection|uncaught exception/i.test(msg)) bad.push(`${bot.name}: ${JSON.stringify(l).slice(0, 400)}`);
    }
    for (const line of bot.stderr().split('\n')) {
      if (/UnhandledPromiseRejection|Uncaught|^\s+at .+\(.+:\d+:\d+\)$|FATAL|Segmentation/i.test(line)) bad.push(`${bot.name} stderr: ${line.slice(0, 300)}`);
    }
  }
  return bad;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

/** A seeded random source, so a failing run can be repeated (FAULT_SEED=<n>). */
export function seededRandom(label: string): { seed: number; next: () => number; between: (a: number, b: number) => number } {
  const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[earshot faults] ${label}: FAULT_SEED=${seed}`);
  const next = mulberry32(seed);
  return { seed, next, between: (a, b) => a + next() * (b - a) };
}

/** A webhook mention with a unique id and text, so its card can be told apart. */
export function faultMention(key: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'facebook',
    id: key,
    url: `https://facebook.example/posts/${key}`,
    text: `Fault test mention ${key}: my order has not arrived`,
    author: { id: `a-${key}`, handle: `cust_${key}`, name: `Customer ${key}`, followers: 250 },
    posted_at: new Date().toISOString(),
    ...over,
  };
}

export interface SendLog {
  /** HTTP status of every attempt (0: connection error). */
  statuses: number[];
  /** Attempts that failed at the connection (the bot was down, or died mid-request). */
  connectionErrors: number;
}

/**
 * POSTs one signed batch until the bot answers 202, as a sender following the contract does:
 * a dropped connection or a 503 means "not stored, send again". Other answers are recorded and
 * retried a few times (a test then fails on the status list).
 */
export async function sendBatch(baseUrl: () => string, mentions: unknown[], log: SendLog, opts: { retryMs?: number; deadlineMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
  for (;;) {
    const body = JSON.stringify({ mentions });
    const ts = Math.floor(Date.now() / 1000);
    try {
      const r = await fetch(`${baseUrl()}/ingest/mentions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-earshot-timestamp': String(ts), 'x-earshot-signature': signWebhook(WEBHOOK_SECRET, ts, body) },
        signal: AbortSignal.timeout(15_000),
      });
      await r.text();
      log.statuses.push(r.status);
      if (r.status === 202) return;
    } catch {
      log.statuses.push(0);
      log.connectionErrors++;
    }
    if (Date.now() > deadline) throw new Error(`a webhook batch was not accepted within ${opts.deadlineMs ?? 120_000} ms (statuses so far: ${summarize(log.statuses)})`);
    await sleep(opts.retryMs ?? 200);
  }
}

export function summarize(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s}×${n}`).join(' ');
}

/** Cards in the triage channel per mention id (from the card's metadata). */
export function cardsPerMention(slack: FakeSlack): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of slack.topLevel(TRIAGE)) {
    const id = (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id;
    if (typeof id === 'number') out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/** Thread messages per Slack job id (from the metadata every earshot message carries). */
export function messagesPerJob(slack: FakeSlack): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of slack.messages()) {
    const job = (m.metadata?.event_payload as { job_id?: string } | undefined)?.job_id;
    if (job !== undefined) out.set(String(job), (out.get(String(job)) ?? 0) + 1);
  }
  return out;
}

export const duplicatesIn = (counts: Map<unknown, number>): number => [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);

/** Posts that X served more than once, and how many extra reads they cost. */
export function xRereads(x: FakeX, postIds: string[]): { posts: number; extraReads: number; maxServed: number } {
  let posts = 0;
  let extraReads = 0;
  let maxServed = 0;
  for (const id of postIds) {
    const n = x.servedCount(id);
    maxServed = Math.max(maxServed, n);
    if (n > 1) {
      posts++;
      extraReads += n - 1;
    }
  }
  return { posts, extraReads, maxServed };
}

/** Slack writes still waiting in the bot's queue (its /metrics gauge; the database is the source). */
export async function queueDepth(bot: BotProcess): Promise<number> {
  try {
    const text = await (await fetch(`${bot.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const m = /^earshot_card_queue_depth (\d+)/m.exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
