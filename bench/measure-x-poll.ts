import type { Database } from '../src/db/database.js';
import { startFakeSlack } from '../test/fakes/slack-server.js';
import { startFakeX } from '../test/fakes/x-server.js';
import { startTestApp, TRIAGE } from '../test/support/app.js';
import { xEnv } from '../test/support/x.js';
import { percentile } from './stats.js';

/**
 * Poll mode against the fake X: posts mentioning the brand appear at a steady rate while the app
 * polls every `pollSeconds` (the X poller, timer-driven as in production). Figures: posts X
 * served per mention stored (X bills every post read: 1.0 is ideal) and the time from a post
 * appearing on X to its card arriving in Slack.
 */
export async function measureXPoll(database: Database, o: { posts: number; perSecond: number; pollSeconds: number }) {
  const [slack, x] = await Promise.all([startFakeSlack(), startFakeX()]);
  const cardAt = new Map<string, number>();
  slack.on('call', (c) => {
    if (c.method === 'chat.postMessage' && c.ok && c.args.channel === TRIAGE && typeof c.response?.ts === 'string') cardAt.set(c.response.ts, c.at);
  });
  const app = await startTestApp({ slack, database, env: xEnv(x, { X_POLL_SECONDS: String(o.pollSeconds) }) });
  try {
    const authors = Array.from({ length: 50 }, (_, i) => x.addUser({ username: `fan${i}`, name: `Fan ${i}`, followers: 10 * i }));
    const addedAt = new Map<string, number>();
    const gap = 1000 / o.perSecond;
    const started = Date.now();
    for (let i = 0; i < o.posts; i++) {
      const wait = started + i * gap - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const post = x.addPost({ text: `@${x.brand.username} my delivery ${i} is late`, authorId: authors[i % authors.length]!.id });
      addedAt.set(post.id, Date.now());
    }
    // Every post stored and carded, or give up after a while.
    const deadline = Date.now() + 30_000 + o.pollSeconds * 3000;
    let rows: { id: number; external_id: string; card_ts: string | null }[] = [];
    for (;;) {
      rows = await database.db.selectFrom('mentions').select(['id', 'external_id', 'card_ts']).where('source', '=', 'x').execute();
      const carded = rows.filter((r) => r.card_ts && cardAt.has(r.card_ts)).length;
      if (carded >= o.posts || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const latency: number[] = [];
    for (const r of rows) {
      const added = addedAt.get(r.external_id);
      const at = r.card_ts ? cardAt.get(r.card_ts) : undefined;
      if (added !== undefined && at !== undefined) latency.push(at - added);
    }
    const served = x.totalServed();
    const readTwice = [...addedAt.keys()].filter((id) => x.servedCount(id) > 1).length;
    return {
      posts: o.posts,
      arriving_per_second: o.perSecond,
      poll_seconds: o.pollSeconds,
      stored: rows.length,
      carded: latency.length,
      posts_served: served,
      read_twice: readTwice,
      mention_requests: x.requestsTo('mentions').length,
      reads_per_mention: rows.length > 0 ? Math.round((served / rows.length) * 1000) / 1000 : null,
      card_latency_p50_ms: percentile(latency, 50),
      card_latency_p99_ms: percentile(latency, 99),
    };
  } finally {
    await app.stop();
    await Promise.all([slack.close(), x.close()]);
  }
}
