import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-server.js';
import { startFakeX } from '../test/fakes/x-server.js';
import { testEnv, TRIAGE } from '../test/support/app.js';
import { startBot } from '../test/support/bot-process.js';
import { xEnv } from '../test/support/x.js';
import { benchMentions, postFromChild, webhookRequest } from './measure-ingest.js';

/**
 * Resident memory of the bot as it runs in production: a separate `node dist/src/main.js` (the
 * sources through tsx when there is no fresh build) with the webhook on and the X poller reading
 * from the fake X. After `mentions` webhook mentions and `xPosts` X posts have been stored and
 * carded, and `settleMs` quiet (V8 shrinks its heap a few seconds after a burst), VmRSS is read
 * from /proc/<pid>/status ten times over five seconds: the median is the steady state; the peak
 * (VmHWM) is what the burst took.
 */
/** The V8 flags `npm start` and the Docker image run the bot with. */
export const PRODUCTION_NODE_ARGS = ['--max-semi-space-size=8'];

export async function measureMemory(dbEnv: Record<string, string>, o: { mentions: number; xPosts: number; settleMs: number; nodeArgs?: string[] }) {
  const [slack, x] = await Promise.all([startFakeSlack(), startFakeX()]);
  const env = { ...testEnv(slack, xEnv(x, { X_POLL_SECONDS: '2' })), ...dbEnv, LOG_LEVEL: 'warn', PORT: undefined };
  const bot = await startBot({ name: 'memory', env, waitReady: true, nodeArgs: o.nodeArgs ?? PRODUCTION_NODE_ARGS });
  try {
    const atStart = bot.memory();
    // Each post from another customer (one author's posts join one case, one card).
    const fans = Array.from({ length: o.xPosts }, (_, i) => x.addUser({ username: `mem${i}`, followers: (i % 20) * 100 }));
    for (let i = 0; i < o.xPosts; i++) x.addPost({ text: `@${x.brand.username} question ${i}`, authorId: fans[i % fans.length]!.id });
    const all = benchMentions(o.mentions, `mem-${Date.now()}`);
    const requests = [];
    for (let i = 0; i < all.length; i += 100) requests.push(webhookRequest(all.slice(i, i + 100)));
    const sent = await postFromChild(bot.url, requests, 2);
    const refused = sent.results.filter((r) => r.status !== 202).length;
    await waitForCards(slack, o.mentions + o.xPosts, 120_000);
    await new Promise((r) => setTimeout(r, o.settleMs));
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(bot.memory()?.rssKb ?? NaN);
      await new Promise((r) => setTimeout(r, 500));
    }
    const end = bot.memory();
    samples.sort((a, b) => a - b);
    // Where it is, from the bot's own metrics: V8's heap, and memory outside it (for the embedded
    // database, mostly PGlite's WebAssembly memory, which never shrinks once grown).
    const metrics = await fetch(`${bot.url}/metrics`).then((r) => r.text()).catch(() => '');
    const metric = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(metrics);
      return m ? Math.round(Number(m[1]) / 104_857.6) / 10 : null;
    };
    const mb = (kb: number | undefined) => (kb === undefined || Number.isNaN(kb) ? null : Math.round(kb / 102.4) / 10);
    return {
      process: bot.how === 'dist' ? `node ${(o.nodeArgs ?? PRODUCTION_NODE_ARGS).join(' ')} dist/src/main.js` : 'node --import tsx src/main.ts (no fresh build)',
      cards: slack.topLevel(TRIAGE).length,
      webhook_refused: refused,
      rss_at_start_mb: mb(atStart?.rssKb),
      rss_mb: mb(samples[Math.floor(samples.length / 2)]),
      peak_rss_mb: mb(end?.hwmKb),
      heap_used_mb: metric('earshot_nodejs_heap_size_used_bytes'),
      heap_total_mb: metric('earshot_nodejs_heap_size_total_bytes'),
      external_mb: metric('earshot_nodejs_external_memory_bytes'),
    };
  } finally {
    await bot.stop();
    await Promise.all([slack.close(), x.close()]);
  }
}

async function waitForCards(slack: FakeSlack, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (slack.topLevel(TRIAGE).length < n) {
    if (Date.now() > deadline) throw new Error(`only ${slack.topLevel(TRIAGE).length} of ${n} cards after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
