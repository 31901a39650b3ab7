import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from '../src/db/database.js';
import { signWebhook } from '../src/sources/webhook.js';
import { startFakeSlack } from '../test/fakes/slack-server.js';
import { startTestApp, WEBHOOK_SECRET } from '../test/support/app.js';
import { percentile } from './stats.js';

export interface PostRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface PostResults {
  wallMs: number;
  results: { status: number; ms: number; body: string }[];
}

/** Sends pre-built requests from a separate process (bench/post-client.mjs) with bounded concurrency. */
export function postFromChild(url: string, requests: PostRequest[], concurrency: number): Promise<PostResults> {
  const child = fork(fileURLToPath(new URL('./post-client.mjs', import.meta.url)));
  return new Promise<PostResults>((resolve, reject) => {
    child.once('message', (m) => resolve(m as PostResults));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`post client exited with ${code}`))));
    child.send({ url, concurrency, requests });
  });
}

/** A signed webhook request carrying `mentions`. */
export function webhookRequest(mentions: unknown[], secret = WEBHOOK_SECRET): PostRequest {
  const body = JSON.stringify({ mentions });
  const ts = Math.floor(Date.now() / 1000);
  return {
    path: '/ingest/mentions',
    body,
    headers: { 'content-type': 'application/json', 'x-earshot-timestamp': String(ts), 'x-earshot-signature': signWebhook(secret, ts, body) },
  };
}

/** Realistic webhook mentions: varied texts (scored for sentiment), authors, audiences. */
export function benchMentions(n: number, prefix: string): Record<string, unknown>[] {
  const texts = [
    'My order never arrived and nobody answers the phone! This is the third time.',
    'Thanks for the quick fix yesterday, the app works great now',
    'Is the store on Main Street open on Sunday?',
    'Worst customer service ever. I want a refund NOW @acme',
    'Just got my package, the box was damaged but the product is fine',
  ];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    source: i % 4 === 0 ? 'instagram' : 'facebook',
    id: `${prefix}-${i}`,
    url: `https://social.example/${prefix}/${i}`,
    text: `${texts[i % texts.length]} (#${i})`,
    author: { id: `a${i % 3000}`, handle: `customer_${i % 3000}`, name: `Customer ${i % 3000}`, followers: (i * 7919) % 50_000 },
    posted_at: new Date(now - (i % 600) * 1000).toISOString(),
  }));
}

/**
 * Webhook ingest: `total` mentions in signed batches of `batch`, sent by a separate process with
 * `concurrency` requests in flight; mentions stored per second = total / wall time until the last
 * 202. The app runs as in production (card queue on, posting to a fake Slack).
 */
export async function measureWebhookIngest(database: Database, o: { total: number; batch: number; concurrency: number }) {
  const slack = await startFakeSlack();
  const app = await startTestApp({ slack, database });
  try {
    const all = benchMentions(o.total, `ingest-${Date.now()}`);
    const requests: PostRequest[] = [];
    for (let i = 0; i < all.length; i += o.batch) requests.push(webhookRequest(all.slice(i, i + o.batch)));
    // Warm-up: one small batch (JIT, pool connections), not counted.
    await postFromChild(app.url, [webhookRequest(benchMentions(o.batch, `warm-${Date.now()}`))], 1);
    const r = await postFromChild(app.url, requests, o.concurrency);
    const non202 = r.results.filter((x) => x.status !== 202);
    const accepted = r.results.reduce((n, x) => n + (x.status === 202 ? Number((JSON.parse(x.body) as { accepted: number }).accepted) : 0), 0);
    const stored = await sql<{ n: number }>`select count(*)::int as n from posts where external_id like 'ingest-%'`.execute(database.db);
    const ms = r.results.map((x) => x.ms);
    return {
      mentions: o.total,
      batch: o.batch,
      concurrency: o.concurrency,
      accepted,
      stored: stored.rows[0]?.n ?? 0,
      non_202: non202.length,
      ...(non202[0] ? { first_error: `${non202[0].status} ${non202[0].body}` } : {}),
      wall_ms: Math.round(r.wallMs),
      per_second: Math.round((accepted / r.wallMs) * 1000),
      request_p50_ms: percentile(ms, 50),
      request_p99_ms: percentile(ms, 99),
    };
  } finally {
    await app.stop();
    await slack.close();
  }
}
