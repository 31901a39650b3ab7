/**
 * Measures the X source against the local fakes (no accounts needed) and prints one JSON object:
 *
 * - reads per ingested mention over a run with restarts: posts arrive at a steady rate while the
 *   app polls; it is restarted several times, gracefully (a deploy) and by a "kill" in the middle
 *   of a page (stop without grace: the page in flight is dropped, as in a crash). X bills every
 *   post it serves, so this is `posts served by the fake / mentions stored` (1.0 is ideal).
 * - mention-to-card latency in poll mode: from a post appearing on X to its card in Slack.
 *
 *   npx tsx bench/measure-x-restarts.ts [--seconds 60] [--rate 10] [--poll 2]
 */
import { parseArgs } from 'node:util';
import type { Database } from '../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-server.js';
import { startFakeX, type FakeX } from '../test/fakes/x-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../test/support/app.js';
import { createTestDatabase } from '../test/support/db.js';
import { xEnv } from '../test/support/x.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '10' },
    poll: { type: 'string', default: '2' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const POLL = Number(values.poll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface Run {
  slack: FakeSlack;
  x: FakeX;
  database: Database;
  addedAt: Map<string, number>;
  cardAt: Map<string, number>;
}

async function setUp(): Promise<Run & { drop(): Promise<void> }> {
  const tdb = await createTestDatabase();
  const database = await tdb.open();
  const [slack, x] = await Promise.all([startFakeSlack(), startFakeX()]);
  const cardAt = new Map<string, number>();
  slack.on('call', (c) => {
    if (c.method === 'chat.postMessage' && c.ok && c.args.channel === TRIAGE && typeof c.response?.ts === 'string') cardAt.set(c.response.ts, c.at);
  });
  return {
    slack,
    x,
    database,
    addedAt: new Map(),
    cardAt,
    drop: async () => {
      await database.close();
      await Promise.all([slack.close(), x.close()]);
      await tdb.drop();
    },
  };
}

function start(run: Run, stopGraceMs?: number): Promise<TestApp> {
  return startTestApp({
    slack: run.slack,
    database: run.database,
    env: xEnv(run.x, { X_POLL_SECONDS: String(POLL), SLACK_POSTS_PER_SECOND: '50' }),
    extra: { x: stopGraceMs === undefined ? {} : { stopGraceMs }, queue: { burst: 10 } },
  });
}

/** A small seeded PRNG (mulberry32), so runs are comparable. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Posts `RATE` mentions a second on average for `SECONDS` (Poisson arrivals: independent people
 * posting, not a metronome in step with the poll), calling `during(elapsedMs)` between posts.
 */
async function produce(run: Run, during: (elapsedMs: number) => Promise<void>): Promise<void> {
  const authors = Array.from({ length: 50 }, (_, i) => run.x.addUser({ username: `fan${i}`, name: `Fan ${i}`, followers: 100 * i }));
  const total = SECONDS * RATE;
  const rnd = random(42);
  const t0 = Date.now();
  let at = 0;
  for (let i = 0; i < total; i++) {
    at += (-Math.log(1 - rnd()) * 1000) / RATE;
    const wait = t0 + at - Date.now();
    if (wait > 0) await sleep(wait);
    const post = run.x.addPost({ text: `@${run.x.brand.username} parcel ${i} is late`, authorId: authors[i % authors.length]!.id });
    run.addedAt.set(post.id, Date.now());
    await during(Date.now() - t0);
  }
}

async function settle(run: Run): Promise<{ stored: number; latency: number[]; stored_latency: number[] }> {
  const deadline = Date.now() + 30_000 + POLL * 3000;
  for (;;) {
    const rows = await run.database.db.selectFrom('mentions').select(['external_id', 'card_ts', 'received_at']).where('source', '=', 'x').execute();
    const latency: number[] = [];
    const storedLatency: number[] = [];
    for (const r of rows) {
      const added = run.addedAt.get(r.external_id);
      if (added !== undefined) storedLatency.push(r.received_at.getTime() - added);
      const at = r.card_ts ? run.cardAt.get(r.card_ts) : undefined;
      if (added !== undefined && at !== undefined) latency.push(at - added);
    }
    if (latency.length >= run.addedAt.size || Date.now() > deadline) return { stored: rows.length, latency, stored_latency: storedLatency };
    await sleep(200);
  }
}

/** Restarts at fixed moments: graceful (G) and killed mid-page (K). */
async function withRestarts() {
  const run = await setUp();
  run.x.setLatency(40);
  const plan = [0.15, 0.3, 0.45, 0.6, 0.75].map((f, i) => ({ atMs: f * SECONDS * 1000, kind: i % 2 === 0 ? 'graceful' : 'kill' }));
  // An app's grace period is set at its start: the one to be killed gets none.
  const graceFor = (i: number) => (plan[i]?.kind === 'kill' ? 0 : undefined);
  let app = await start(run, graceFor(0));
  const done: string[] = [];
  await produce(run, async (elapsed) => {
    const next = plan[done.length];
    if (!next || elapsed < next.atMs) return;
    done.push(next.kind);
    if (next.kind === 'kill') {
      // Wait for a mentions request on the wire, then stop without grace: its page is dropped.
      const seen = run.x.requests.filter((r) => r.path.endsWith('/mentions')).length;
      while (run.x.requests.filter((r) => r.path.endsWith('/mentions')).length === seen) await sleep(2);
      await app.stop();
      await sleep(60);
    } else {
      await app.stop();
    }
    app = await start(run, graceFor(done.length));
  });
  const { stored } = await settle(run);
  await app.stop();
  const served = run.x.totalServed();
  const readTwice = [...run.addedAt.keys()].filter((id) => run.x.servedCount(id) > 1).length;
  const result = {
    posts: run.addedAt.size,
    stored,
    restarts: done,
    posts_served: served,
    posts_read_twice: readTwice,
    mention_requests: run.x.requests.filter((r) => r.path.endsWith('/mentions')).length,
    reads_per_mention: Math.round((served / stored) * 1000) / 1000,
  };
  await run.drop();
  return result;
}

async function steady() {
  const run = await setUp();
  const app = await start(run);
  await produce(run, () => Promise.resolve());
  const { stored, latency, stored_latency } = await settle(run);
  await app.stop();
  const result = {
    database: run.database.description.replace(/ in .*/, ''),
    posts: run.addedAt.size,
    stored,
    carded: latency.length,
    reads_per_mention: Math.round((run.x.totalServed() / stored) * 1000) / 1000,
    /** From the post appearing on X to its mention row being committed (the poller's part). */
    stored_latency_ms: { p50: percentile(stored_latency, 50), p99: percentile(stored_latency, 99), max: percentile(stored_latency, 100) },
    card_latency_ms: { p50: percentile(latency, 50), p90: percentile(latency, 90), p99: percentile(latency, 99), max: percentile(latency, 100) },
    target_p99_ms: POLL * 1000 + 1000,
  };
  await run.drop();
  return result;
}

const out = { poll_seconds: POLL, posts_per_second: RATE, seconds: SECONDS, with_restarts: await withRestarts(), steady_poll: await steady() };
console.log(JSON.stringify(out, null, 2));
process.exit(0);
