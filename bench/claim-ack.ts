import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database.js';
import { ACTION } from '../src/slack/ids.js';
import { startFakeSlack } from '../test/fakes/slack-server.js';
import { sampleMention, startTestApp } from '../test/support/app.js';
import { blockAction, interactionBody, slackHeaders } from '../test/support/slack-requests.js';
import { percentile } from './stats.js';

/**
 * Claim ack latency: `clicks` people each click Claim on their own card at the same moment,
 * over HTTP against the real app (signature check, Bolt, listener ack). Measures the time until
 * Slack would have its HTTP 200, which is what the 3-second deadline is about.
 */
export async function measureClaimAck(database: Database, clicks = 200) {
  const slack = await startFakeSlack();
  const users = Array.from({ length: clicks }, (_, i) => `UBENCH${i}`);
  slack.setChannelMembers('CTRIAGE01', ['UWARM', ...users]);
  const app = await startTestApp({ slack, database });
  try {
    const batch = Array.from({ length: clicks }, () => sampleMention());
    const r = await app.ingest(
      batch.map((b) => ({
        source: String(b.source),
        externalId: String(b.id),
        text: String(b.text),
        author: { handle: String((b.author as { handle: string }).handle) },
        postedAt: new Date(),
      })),
    );
    // People click Claim on cards they can see: let the queue post all of them first, so the
    // figure is the ack under a burst of clicks, not under a burst of clicks plus 200 card posts.
    await slack.waitFor(() => slack.topLevel('CTRIAGE01').length >= clicks, 60_000, 'the cards to be posted');
    await app.queue.drainNow();
    // Warm up one connection path so the first click does not pay for JIT and pool start.
    await app.interact(blockAction({ user: 'UWARM', actionId: ACTION.claim, value: String(r.ids[0]), channel: 'CTRIAGE01' }));
    // Clicks come from another process, as they would from Slack.
    const requests = r.ids.map((id, i) => {
      const body = interactionBody(blockAction({ user: users[i]!, actionId: ACTION.claim, value: String(id), channel: 'CTRIAGE01' }));
      return { body, headers: slackHeaders(body) };
    });
    const child = fork(fileURLToPath(new URL('./click-client.mjs', import.meta.url)));
    const ms = await new Promise<number[]>((resolve, reject) => {
      child.once('message', (m) => resolve(m as number[]));
      child.once('error', reject);
      child.send({ url: `${app.url}/slack/events`, warmPath: '/healthz', requests });
    });
    const bad = ms.filter((x) => x < 0).length;
    return { clicks, non200: bad, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: Math.max(...ms) };
  } finally {
    await app.stop();
    await slack.close();
  }
}
