/**
 * Two replicas in Socket Mode on one database: each holds its own link, Slack hands every envelope
 * to one of them, and nothing is done twice, also while one replica is in its refresh gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/socket-mode.js';
import { TRIAGE, sampleMention, startTestApp, waitForCardTs, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';
import { PATIENT_MS } from '../support/patience.js';
import { blockAction } from '../support/slack-requests.js';

let slack: FakeSlack;
let socket: FakeSocketMode;
let tdb: TestDatabase;
let databases: Database[] = [];
let apps: TestApp[] = [];

beforeAll(async () => {
  if (!usingServer) return;
  slack = await startFakeSlack();
  socket = await startFakeSocketMode(slack);
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
  tdb = await createTestDatabase();
  databases = [await tdb.open(), await tdb.open()];
  apps = [];
  for (const database of databases) {
    apps.push(await startTestApp({ slack, database, env: { SLACK_MODE: 'socket', SLACK_APP_TOKEN: 'xapp-1-A0FAKEAPP-replicas-0123456789' }, extra: { socket: { minDelayMs: 20, maxDelayMs: 200 } } }));
  }
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  for (const d of databases) await d.close();
  await socket?.close();
  await slack?.close();
  await tdb?.drop();
});

async function card(): Promise<{ id: number; ts: string }> {
  const m = sampleMention();
  expect((await apps[0]!.webhook(m)).status).toBe(202);
  const row = await databases[0]!.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  return { id: row.id, ts: await waitForCardTs(databases[0]!, row.id) };
}

/** Claims counted by both replicas together (a counter since start: the tests run in any order). */
async function claimsCounted(): Promise<number> {
  const counts = await Promise.all(apps.map(async (a) => (await (await fetch(`${a.url}/metrics`)).text()).match(/^earshot_claims_total (\d+)/m)?.[1]));
  return counts.map(Number).reduce((a, b) => a + b, 0);
}

async function claimedOnce(id: number): Promise<void> {
  const deadline = Date.now() + PATIENT_MS;
  for (;;) {
    const events = await databases[0]!.db.selectFrom('mention_events').select('id').where('mention_id', '=', id).where('kind', '=', 'claimed').execute();
    if (events.length > 0) {
      expect(events).toHaveLength(1);
      return;
    }
    if (Date.now() > deadline) throw new Error(`mention ${id} was not claimed`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Several replicas need several connections to one database: a Postgres server (the embedded one is
// single-connection, in-process); CI runs this on the local server.
describe.skipIf(!usingServer)('two replicas in Socket Mode', () => {
  it('each holds a link; envelopes are spread over both and each is handled once', async () => {
    await socket.waitFor(() => socket.open.length === 2 && apps.every((a) => a.slack.socket!.status().connected), 'two links');
    const before = await claimsCounted();
    const cards = [await card(), await card(), await card(), await card()];
    // Both links again right before the envelopes go out (each is sent to the next open link).
    await socket.waitFor(() => socket.open.length === 2, 'two links');
    const sent = await Promise.all(cards.map((c, i) => socket.send('interactive', blockAction({ user: i % 2 ? 'UBOB' : 'UALICE', actionId: ACTION.claim, value: String(c.id), messageTs: c.ts, channel: TRIAGE }))));
    expect(new Set(sent.map((e) => e.connection)).size).toBe(2);
    for (const c of cards) await claimedOnce(c.id);
    expect((await claimsCounted()) - before).toBe(4);
  });

  it('while one replica refreshes, the other takes the envelopes', async () => {
    await socket.waitFor(() => socket.open.length === 2 && apps.every((a) => a.slack.socket!.status().connected), 'two links');
    const opened = socket.opened;
    // apps.connections.open fails until the test lets it work again, so the gap lasts as long as the
    // test needs it (a few quick failures would let the link come back before the envelope is sent).
    slack.failNext('apps.connections.open', { status: 500, times: 1_000 });
    // Slack asks one link to refresh: the envelopes meanwhile go to the link still open.
    const [first] = socket.open;
    socket.disconnect('refresh_requested', first);
    await socket.waitFor(() => socket.open.length === 1, 'one link in its refresh gap');
    const c = await card();
    const env = await socket.send('interactive', blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(c.id), messageTs: c.ts, channel: TRIAGE }));
    expect(env.connection).not.toBe(first);
    await claimedOnce(c.id);
    expect(slack.callsTo('apps.connections.open').filter((call) => call.status === 500).length).toBeGreaterThan(0);
    slack.clearFaults();
    await socket.waitFor(() => socket.opened > opened && socket.open.length === 2, 'the refreshed link back');
  });
});
