import type { Database } from '../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-server.js';
import { startFakeX, type FakeX } from '../test/fakes/x-server.js';
import { startTestApp, TRIAGE, type TestApp } from '../test/support/app.js';
import { xEnv } from '../test/support/x.js';
import { percentile } from './stats.js';

export type Restart = 'graceful' | 'kill';

/**
 * Poll mode against the fake X: posts mentioning the brand appear at a steady rate while the app
 * polls every `pollSeconds` (timer-driven as in production), and the brand answers every second
 * one directly on X (its own timeline). The app is restarted along the way: gracefully (a
 * deploy) and by a "kill" while a page is on the wire (no grace: the page in flight is dropped,
 * as in a crash). X bills every post it serves, so the figures are posts served per post stored,
 * for the mentions timeline and for the brand's own timeline apart (owned reads are billed at
 * another rate): 1.0 is ideal. Also the time from a post appearing on X to its card in Slack.
 */
export async function measureXPoll(database: Database, o: { posts: number; perSecond: number; pollSeconds: number; restarts?: readonly Restart[] }) {
  const [slack, x] = await Promise.all([startFakeSlack(), startFakeX()]);
  const cardAt = new Map<string, number>();
  slack.on('call', (c) => {
    if (c.method === 'chat.postMessage' && c.ok && c.args.channel === TRIAGE && typeof c.response?.ts === 'string') cardAt.set(c.response.ts, c.at);
  });
  const restarts = o.restarts ?? [];
  // An app's grace period is set at its start: the one to be killed gets none.
  const start = (i: number) => startApp(slack, x, database, o.pollSeconds, restarts[i] === 'kill' ? 0 : undefined);
  let app = await start(0);
  try {
    // Each post from another customer: one author's posts join one case, which has one card.
    const authors = Array.from({ length: o.posts }, (_, i) => x.addUser({ username: `fan${i}`, name: `Fan ${i}`, followers: 10 * (i % 50) }));
    const addedAt = new Map<string, number>();
    const brandReplies: string[] = [];
    const restartAt = restarts.map((_, i) => Math.floor(((i + 1) * o.posts) / (restarts.length + 1)));
    const done: string[] = [];
    const gap = 1000 / o.perSecond;
    const started = Date.now();
    for (let i = 0; i < o.posts; i++) {
      const wait = started + i * gap - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const post = x.addPost({ text: `@${x.brand.username} my delivery ${i} is late`, authorId: authors[i % authors.length]!.id });
      addedAt.set(post.id, Date.now());
      if (i % 2 === 1) brandReplies.push(x.addBrandPost({ text: `@fan${i % authors.length} sorry about delivery ${i}, DM us`, inReplyTo: post.id }).id);
      const kind = restarts[done.length];
      if (kind && i === restartAt[done.length]) {
        // Kills alternate between a page of the mentions timeline and one of the own timeline.
        const target = done.filter((d) => d !== 'graceful').length % 2 === 0 ? 'mentions' : 'own';
        if (kind === 'kill') {
          // Slow answers for a moment, so the kill lands while a page is on the wire.
          x.setLatency(40);
          await onTheWire(x, target);
        }
        await app.stop();
        x.setLatency(0);
        done.push(kind === 'kill' ? `kill (${target} page in flight)` : kind);
        app = await start(done.length);
      }
    }
    // Every customer post stored and carded and every brand reply stored, or give up after a while.
    const deadline = Date.now() + 30_000 + o.pollSeconds * 3000;
    let stored = new Set<string>();
    let carded = 0;
    for (;;) {
      stored = await storedXPosts(database);
      const rows = await database.db.selectFrom('mentions').select(['external_id', 'card_ts']).where('source', '=', 'x').execute();
      carded = rows.filter((r) => addedAt.has(r.external_id) && r.card_ts && cardAt.has(r.card_ts)).length;
      if ((carded >= o.posts && brandReplies.every((id) => stored.has(id))) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = await database.db.selectFrom('mentions').select(['external_id', 'card_ts']).where('source', '=', 'x').execute();
    const latency: number[] = [];
    for (const r of rows) {
      const added = addedAt.get(r.external_id);
      const at = r.card_ts ? cardAt.get(r.card_ts) : undefined;
      if (added !== undefined && at !== undefined) latency.push(at - added);
    }
    const timeline = (ids: string[], endpoint: 'mentions' | 'userTweets') => {
      const served = ids.reduce((n, id) => n + x.servedCount(id), 0);
      const storedHere = ids.filter((id) => stored.has(id)).length;
      return {
        posts: ids.length,
        stored: storedHere,
        posts_served: served,
        read_twice: ids.filter((id) => x.servedCount(id) > 1).length,
        requests: x.requestsTo(endpoint).length,
        reads_per_post: storedHere > 0 ? Math.round((served / storedHere) * 1000) / 1000 : null,
      };
    };
    const mentions = timeline([...addedAt.keys()], 'mentions');
    const own = timeline(brandReplies, 'userTweets');
    return {
      posts: o.posts,
      arriving_per_second: o.perSecond,
      poll_seconds: o.pollSeconds,
      restarts: done,
      carded,
      reads_per_mention: mentions.reads_per_post,
      reads_per_own_post: own.reads_per_post,
      mentions_timeline: mentions,
      own_timeline: own,
      posts_served: x.totalServed(),
      card_latency_p50_ms: percentile(latency, 50),
      card_latency_p99_ms: percentile(latency, 99),
    };
  } finally {
    await app.stop();
    await Promise.all([slack.close(), x.close()]);
  }
}

function startApp(slack: FakeSlack, x: FakeX, database: Database, pollSeconds: number, stopGraceMs: number | undefined): Promise<TestApp> {
  return startTestApp({ slack, database, env: xEnv(x, { X_POLL_SECONDS: String(pollSeconds) }), extra: { x: stopGraceMs === undefined ? {} : { stopGraceMs } } });
}

/** Resolves once a request to the timeline has arrived (it is answered after the fake's latency). */
async function onTheWire(x: FakeX, which: 'mentions' | 'own'): Promise<void> {
  const timeline = (r: { path: string }) => (which === 'mentions' ? r.path.endsWith('/mentions') : r.path.startsWith('/2/users/') && r.path.endsWith('/tweets'));
  const seen = x.requests.filter(timeline).length;
  while (x.requests.filter(timeline).length === seen) await new Promise((r) => setTimeout(r, 2));
}

/** External ids of X posts earshot keeps: cases' first posts and every post of a case. */
async function storedXPosts(database: Database): Promise<Set<string>> {
  const cases = await database.db.selectFrom('mentions').select('external_id').where('source', '=', 'x').execute();
  const posts = await database.db.selectFrom('posts').select('external_id').where('source', '=', 'x').execute();
  return new Set([...cases, ...posts].map((r) => r.external_id));
}
