import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database.js';
import { ACTION } from '../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-server.js';
import { sampleMention, startTestApp, type TestApp } from '../test/support/app.js';
import { blockAction, interactionBody, slackHeaders } from '../test/support/slack-requests.js';
import { startBareBolt } from './reference-bolt.js';
import { percentile } from './stats.js';

interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Sends every request at once from another process (bench/click-client.mjs), as Slack would; ms per request, negative = not 200. */
export function clickFromChild(url: string, requests: SignedRequest[]): Promise<number[]> {
  const child = fork(fileURLToPath(new URL('./click-client.mjs', import.meta.url)));
  return new Promise<number[]>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number[]));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`click client exited with ${code}`))));
    child.send({ url: `${url}/slack/events`, warmPath: '/healthz', requests });
  });
}

const claimClick = (user: string, id: number): SignedRequest => {
  const body = interactionBody(blockAction({ user, actionId: ACTION.claim, value: String(id), channel: 'CTRIAGE01' }));
  return { body, headers: slackHeaders(body) };
};

/** `clicks` fresh cards posted and nothing else queued: each person clicks Claim on a card they can see. */
async function postCards(app: TestApp, slack: FakeSlack, clicks: number): Promise<number[]> {
  const before = slack.topLevel('CTRIAGE01').length;
  const r = await app.ingest(
    Array.from({ length: clicks }, () => sampleMention()).map((b) => ({
      source: String(b.source),
      externalId: String(b.id),
      text: String(b.text),
      author: { handle: String((b.author as { handle: string }).handle) },
      postedAt: new Date(),
    })),
  );
  await slack.waitFor(() => slack.topLevel('CTRIAGE01').length >= before + clicks, 120_000, 'the cards to be posted');
  await app.queue.drainNow();
  return r.ids;
}

/**
 * Claim ack latency beside its reference. `clicks` people click Claim on their own card at the
 * same moment, over keep-alive sockets from another process, against the real app (signature
 * check, Bolt, listener ack) and against a bare Bolt app whose listener only acks
 * (bench/reference-bolt.ts), in alternating rounds (bare, earshot, earshot, bare, …) so that
 * other work on the machine falls on both alike. The figure is the time until Slack would have
 * its HTTP 200, which is what the 3-second deadline is about.
 */
export async function measureClaimAck(database: Database, o: { clicks?: number; rounds?: number; profile?: { start(): Promise<void>; stop(): Promise<void> } } = {}) {
  const clicks = o.clicks ?? 200;
  const rounds = o.rounds ?? 4;
  const slack = await startFakeSlack();
  const users = Array.from({ length: clicks }, (_, i) => `UBENCH${i}`);
  slack.setChannelMembers('CTRIAGE01', [...users, 'UWARM']);
  const app = await startTestApp({ slack, database });
  const bare = await startBareBolt();
  try {
    // Warm both paths (JIT, pool, Bolt's first-event work) outside the figures.
    const [warmId] = await postCards(app, slack, 1);
    await clickFromChild(app.url, [claimClick('UWARM', warmId!)]);
    await clickFromChild(bare.url, [claimClick('UWARM', 1)]);
    await app.handlers.idle();
    const earshot: number[][] = [];
    const reference: number[][] = [];
    for (let round = 0; round < rounds; round++) {
      const ids = await postCards(app, slack, clicks);
      const earshotRound = async () => {
        const requests = ids.map((id, i) => claimClick(users[i]!, id));
        await o.profile?.start();
        earshot.push(await clickFromChild(app.url, requests));
        await o.profile?.stop();
        // The claims' own work (database, card updates) finishes before anything else is timed.
        await app.handlers.idle();
        await app.queue.drainNow();
      };
      const bareRound = async () => void reference.push(await clickFromChild(bare.url, ids.map((id, i) => claimClick(users[i]!, id))));
      if (round % 2 === 0) {
        await bareRound();
        await earshotRound();
      } else {
        await earshotRound();
        await bareRound();
      }
    }
    const summary = (runs: number[][]) => {
      const all = runs.flat();
      const ok = all.filter((x) => x >= 0);
      return {
        p50_ms: percentile(ok, 50),
        p99_ms: percentile(ok, 99),
        max_ms: Math.round(Math.max(...ok) * 10) / 10,
        non200: all.length - ok.length,
        p99_per_round_ms: runs.map((r) => percentile(r.filter((x) => x >= 0), 99)),
      };
    };
    const e = summary(earshot);
    const b = summary(reference);
    // A round where the neighbours were busy moves one side's p99 a lot: the ratio of the per-round
    // medians is the steadier figure; the pooled one is reported beside it.
    const median = (xs: number[]) => percentile(xs, 50);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      clicks,
      rounds,
      earshot: e,
      reference: b,
      ratio_p99: r2(median(e.p99_per_round_ms) / median(b.p99_per_round_ms)),
      ratio_p99_pooled: r2(e.p99_ms / b.p99_ms),
      ratio_p50: r2(e.p50_ms / b.p50_ms),
    };
  } finally {
    await bare.stop();
    await app.stop();
    await slack.close();
  }
}
