import { parseConfig } from '../../src/config/index.js';
import type { Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { startEarshot, type Earshot, type StartOptions } from '../../src/earshot.js';
import { createLogger } from '../../src/logger.js';
import { signWebhook } from '../../src/sources/webhook.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { SIGNING_SECRET, commandBody, interactionBody, slackHeaders } from './slack-requests.js';
import { PATIENT_MS } from './patience.js';

export const TRIAGE = 'CTRIAGE01';
export const ESCALATIONS = 'CESCAL01';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token-0123456789';

export interface TestApp extends Earshot {
  /** POSTs a signed interaction payload to /slack/events; returns the HTTP status and body. */
  interact(payload: Record<string, unknown>): Promise<{ status: number; body: string; ms: number }>;
  command(c: { user: string; text: string; responseUrl: string }): Promise<{ status: number; body: string }>;
  /** POSTs a signed webhook body. */
  webhook(body: unknown, opts?: { timestamp?: number; secret?: string; raw?: string }): Promise<{ status: number; json: any }>;
}

export function testEnv(slack: FakeSlack, env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    SLACK_TRIAGE_CHANNEL: TRIAGE,
    SLACK_ESCALATION_CHANNEL: ESCALATIONS,
    SLACK_POSTS_PER_SECOND: '50',
    PORT: '0',
    INGEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  };
}

/** Starts the real app (HTTP mode) against a fake Slack and the given database. */
export async function startTestApp(o: {
  slack: FakeSlack;
  /** Omitted: the app opens (and on stop closes) the database its env names. */
  database?: Database;
  clock?: Clock;
  env?: Record<string, string | undefined>;
  runQueue?: boolean;
  extra?: Partial<StartOptions>;
}): Promise<TestApp> {
  const config = parseConfig(testEnv(o.slack, o.env));
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets, pretty: false });
  // Probes uncached unless a test asks: a probe right after a change must see it.
  const app = await startEarshot({ config, logger, database: o.database, clock: o.clock, host: '127.0.0.1', runQueue: o.runQueue, runJobs: false, probeCacheMs: 0, readyCacheMs: 0, ...o.extra });
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const t0 = performance.now();
    const r = await fetch(`${app.url}${path}`, { method: 'POST', body, headers });
    const text = await r.text();
    return { status: r.status, body: text, ms: performance.now() - t0 };
  };
  return Object.assign(app, {
    interact: (payload: Record<string, unknown>) => {
      const body = interactionBody(payload);
      return post('/slack/events', body, slackHeaders(body));
    },
    command: (c: { user: string; text: string; responseUrl: string }) => {
      const body = commandBody(c);
      return post('/slack/events', body, slackHeaders(body));
    },
    webhook: async (body: unknown, opts: { timestamp?: number; secret?: string; raw?: string } = {}) => {
      const raw = opts.raw ?? JSON.stringify(body);
      const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
      const r = await post('/ingest/mentions', raw, {
        'content-type': 'application/json',
        'x-earshot-timestamp': String(ts),
        'x-earshot-signature': signWebhook(opts.secret ?? WEBHOOK_SECRET, ts, raw),
      });
      let json: unknown;
      try {
        json = JSON.parse(r.body);
      } catch {
        json = r.body;
      }
      return { status: r.status, json };
    },
  });
}

let seq = 0;
/** A webhook mention with sensible defaults. */
export function sampleMention(over: Partial<Record<string, unknown>> & { author?: Record<string, unknown> } = {}): Record<string, unknown> {
  seq++;
  return {
    source: 'facebook',
    id: `fb-${Date.now()}-${seq}`,
    url: `https://facebook.example/posts/${seq}`,
    text: 'My order never arrived and nobody answers the phone!',
    posted_at: new Date().toISOString(),
    ...over,
    author: { id: `a${seq}`, handle: `customer${seq}`, name: `Customer ${seq}`, followers: 120, ...(over.author ?? {}) },
  };
}

/** Waits until the card of mention `id` is posted and its ts stored (the queue stores it just after Slack answers). */
export async function waitForCardTs(database: Database, id: number, timeoutMs = PATIENT_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await database.db.selectFrom('mentions').select('card_ts').where('id', '=', id).executeTakeFirst();
    if (row?.card_ts) return row.card_ts;
    if (Date.now() > deadline) throw new Error(`the card of mention ${id} was not posted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
