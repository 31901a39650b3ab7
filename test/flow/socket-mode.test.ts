/**
 * Socket Mode end to end: the real app connects through the fake `apps.connections.open` to the
 * fake WebSocket server and handles the triage scenarios over it, then survives Slack's refreshes,
 * an outage of apps.connections.open, a dropped link and a refused app token.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/socket-mode.js';
import { TRIAGE, sampleMention, startTestApp, waitForCardTs, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { blockAction, commandFields } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

const APP_TOKEN = 'xapp-1-A0FAKEAPP-test-0123456789';

let slack: FakeSlack;
let socket: FakeSocketMode;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  slack = await startFakeSlack();
  socket = await startFakeSocketMode(slack);
  tdb = await createTestDatabase();
  database = await tdb.open();
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false, destination });
  app = await startTestApp({
    slack,
    database,
    env: { SLACK_MODE: 'socket', SLACK_APP_TOKEN: APP_TOKEN },
    // Short back-off so minutes of outage fit in a test; the ack deadline stays Slack's 3 s.
    // Home refreshes after a change never fire here: the Home test counts the publishes of its own
    // app_home_opened events, and a refresh due from an earlier test's card would add one.
    extra: { logger, socket: { minDelayMs: 20, maxDelayMs: 200 }, homeDebounceMs: 3_600_000 },
  });
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await socket?.close();
  await slack?.close();
  await tdb?.drop();
});

beforeEach(async () => {
  slack.clearFaults();
  socket.refuseAppToken(false);
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
  await socket.waitFor(() => socket.open.length === 1 && app.slack.socket!.status().connected, 'one open link');
});

async function newCard() {
  const m = sampleMention();
  expect((await app.webhook(m)).status).toBe(202);
  const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  return { ...row, card_ts: await waitForCardTs(database, row.id) };
}

async function claim(user: string) {
  const m = await newCard();
  const env = await socket.send('interactive', blockAction({ user, actionId: ACTION.claim, value: String(m.id), messageTs: m.card_ts, channel: TRIAGE }));
  const deadline = Date.now() + PATIENT_MS;
  for (;;) {
    const row = await database.db.selectFrom('mentions').select(['status', 'owner_id']).where('id', '=', m.id).executeTakeFirstOrThrow();
    if (row.owner_id === user) return { env, row };
    if (Date.now() > deadline) throw new Error(`claim by ${user} not handled: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ready(): Promise<{ status: number; checks: Array<{ name: string; ok: boolean; detail?: string }> }> {
  const r = await fetch(`${app.url}/readyz`);
  return { status: r.status, ...((await r.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> }) };
}
const socketCheck = async () => (await ready()).checks.find((c) => c.name === 'slack_socket');

describe('triage over Socket Mode', () => {
  it('a Claim arrives as an interactive envelope, is acked and handled', async () => {
    const { env, row } = await claim('UALICE');
    expect(row.status).toBe('claimed');
    expect(env.ack).toBeDefined();
    expect(slack.callsTo('apps.connections.open').length).toBeGreaterThanOrEqual(1);
    const r = await ready();
    expect(r.status).toBe(200);
    expect((await socketCheck())?.detail).toMatch(/^connected since/);
  });

  it('/social-stats arrives as a slash_commands envelope and answers through its response URL', async () => {
    const id = 'socket-stats';
    await socket.send('slash_commands', commandFields({ user: 'UALICE', text: '24h', responseUrl: slack.responseUrl(id) }));
    await slack.waitFor(() => slack.responses(id).length >= 1, PATIENT_MS, 'stats answer');
    expect(JSON.stringify(slack.responses(id)[0])).toContain('last 24 hours');
  });

  it('app_home_opened publishes the Home tab; a retried envelope of the same event publishes nothing more', async () => {
    const before = slack.okCalls('views.publish').length;
    const event = { type: 'app_home_opened', user: 'UBOB', channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` };
    await socket.event(event, { eventId: 'EvHOME1' });
    await slack.waitFor(() => slack.okCalls('views.publish').length === before + 1, PATIENT_MS, 'home published');
    const retried = await socket.event(event, { eventId: 'EvHOME1', retryAttempt: 1 });
    expect(retried.ack).toBeDefined();
    // A later, different event proves the retry had its chance to run first (envelopes are handled in order).
    await socket.event({ ...event, user: 'UALICE' }, { eventId: 'EvHOME2' });
    await slack.waitFor(() => slack.okCalls('views.publish').some((c) => c.args.user_id === 'UALICE'), PATIENT_MS, 'second home');
    expect(slack.okCalls('views.publish').filter((c) => c.args.user_id === 'UBOB')).toHaveLength(1);
  });

  it('an envelope nobody acks within 3 s is logged and counted', async () => {
    const unknown = blockAction({ user: 'UALICE', actionId: 'no_such_action', value: '1' });
    await expect(socket.send('interactive', unknown, { ackMs: 4_000 })).rejects.toThrow(/not acked/);
    const env = socket.envelopes.at(-1)!;
    await socket.waitFor(() => lines.some((l) => l.envelope_id === env.envelope_id), 'the unacked log line');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/earshot_slack_envelopes_unacked_total\{type="interactive"\} [1-9]/);
  });
});

describe('the link survives', () => {
  it('refresh_requested while apps.connections.open answers 500: not ready meanwhile, reconnects by itself, next Claim handled', async () => {
    const opened = socket.opened;
    slack.failNext('apps.connections.open', { status: 500, times: 1_000 });
    socket.disconnect('refresh_requested');
    await socket.waitFor(() => slack.callsTo('apps.connections.open').filter((c) => c.status === 500).length >= 5, 'five failed attempts');
    const during = await ready();
    expect(during.status).toBe(503);
    expect((await socketCheck())?.detail).toMatch(/not connected since .*HTTP 500/);
    expect(lines.some((l) => typeof l.msg === 'string' && /Socket Mode cannot connect: apps.connections.open answered HTTP 500/.test(l.msg) && typeof l.attempt === 'number')).toBe(true);
    slack.clearFaults();
    await socket.waitFor(() => socket.opened > opened && app.slack.socket!.status().connected, 'reconnected');
    expect((await ready()).status).toBe(200);
    expect((await claim('UBOB')).row.status).toBe('claimed');
  });

  it('a network error on apps.connections.open and a dropped TCP link are retried too', async () => {
    const opened = socket.opened;
    slack.failNext('apps.connections.open', { kind: 'timeout-before-commit', times: 3 });
    socket.drop();
    await socket.waitFor(() => socket.opened > opened && app.slack.socket!.status().connected, 'reconnected after drop');
    expect(lines.some((l) => typeof l.msg === 'string' && /unreachable/.test(l.msg))).toBe(true);
    expect((await claim('UALICE')).row.status).toBe('claimed');
  });

  it('link_disabled then a refused app token: a clear error and not ready, until the token works again', async () => {
    socket.refuseAppToken(true);
    socket.disconnect('link_disabled');
    await socket.waitFor(() => lines.some((l) => l.level === 50 && typeof l.msg === 'string' && l.msg.includes('SLACK_APP_TOKEN is wrong or revoked')), 'the token error');
    expect((await ready()).status).toBe(503);
    expect((await socketCheck())?.detail).toContain('invalid_auth');
    socket.refuseAppToken(false);
    await socket.waitFor(() => app.slack.socket!.status().connected, 'reconnected');
    expect((await ready()).status).toBe(200);
  });
});
