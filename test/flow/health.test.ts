// Over 300 lines: the probes (/healthz, /readyz) and /metrics are read from one running app, whose
// start-up (fake Slack, fake X, a database) they share; each describe block is one endpoint.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { FAKE_X_BEARER_TOKEN, startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let fakeX: FakeX;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  [slack, fakeX, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database, env: { INGEST_SOURCES: 'instagram, Facebook' } });
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await Promise.all([slack?.close(), fakeX?.close()]);
  await tdb?.drop();
});

interface Readiness {
  ready: boolean;
  checks: { name: string; required: boolean; ok: boolean; detail?: string }[];
}

async function readyz(url: string): Promise<{ status: number; body: Readiness }> {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as Readiness };
}

const check = (r: Readiness, name: string) => r.checks.find((c) => c.name === name);

/** Value of one sample in Prometheus text format; labels must match exactly those given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(/,(?=\w+=")/).filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return undefined;
}

/**
 * Lets the work earlier tests left behind finish (handlers, due cards, posts in flight), so the
 * deltas a test reads are its own whatever order the tests run in.
 */
async function settle(): Promise<void> {
  await app.handlers.idle();
  await app.queue.drainNow();
  await slack.waitFor(() => app.queue.busy === 0, PATIENT_MS, 'no card post in flight');
}

async function metrics(url = app.url): Promise<string> {
  const r = await fetch(`${url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/text\/plain/);
  return r.text();
}

describe('/healthz and /readyz', () => {
  it('healthz answers while the process is up', async () => {
    const r = await fetch(`${app.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('readyz lists database, slack and x (disabled here) and answers 200', async () => {
    const { status, body } = await readyz(app.url);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['database', 'slack', 'x']));
    expect(check(body, 'database')).toMatchObject({ ok: true, required: true });
    expect(check(body, 'database')!.detail).toMatch(usingServer ? /^postgres / : /embedded/);
    expect(check(body, 'slack')).toMatchObject({ ok: true, required: true });
    expect(check(body, 'x')).toMatchObject({ ok: true, required: false });
    expect(check(body, 'x')!.detail).toMatch(/disabled/);
  });

  it('answers 503 with the reason and what to do when Slack refuses the token (invalid_auth)', async () => {
    slack.failNext('auth.test', { error: 'invalid_auth' });
    const { status, body } = await readyz(app.url);
    expect(status).toBe(503);
    expect(body.ready).toBe(false);
    expect(check(body, 'slack')).toMatchObject({ ok: false, required: true });
    expect(check(body, 'slack')!.detail).toContain('invalid_auth');
    expect(check(body, 'slack')!.detail).toContain('SLACK_BOT_TOKEN');
    expect(check(body, 'database')!.ok).toBe(true);
    // The next probe finds Slack fine again.
    expect((await readyz(app.url)).status).toBe(200);
  });

  it('answers 503 when Slack does not answer at all (5xx)', async () => {
    slack.failNext('auth.test', { status: 503, times: 5 });
    const { status, body } = await readyz(app.url);
    expect(status).toBe(503);
    expect(check(body, 'slack')!.ok).toBe(false);
    slack.clearFaults();
  });

  it('reports X as the X source last saw it, and counts X requests and posts read; a refused token is shown without failing readiness', async () => {
    const xEnv = (token: string) => ({ X_BEARER_TOKEN: token, X_BRAND_USERNAME: fakeX.brand.username, X_API_URL: fakeX.url });
    const author = fakeX.addUser({ username: 'metrics_reader', name: 'Metrics Reader', followers: 310 });
    fakeX.addPost({ authorId: author.id, text: '@acme my parcel is two days late', createdAt: new Date(Date.now() - 60_000) });
    fakeX.addPost({ authorId: author.id, text: '@acme and the tracking page is down', createdAt: new Date(Date.now() - 30_000) });
    // Manual ticks: the X source reads only when told to (no timer, no race with the assertions).
    const good = await startTestApp({ slack, database, env: xEnv(FAKE_X_BEARER_TOKEN), extra: { x: { manual: true } } });
    try {
      await good.x.pollNow();
      const text = await metrics(good.url);
      expect(sample(text, 'earshot_x_posts_read_total', { source: 'mentions' })).toBe(2);
      expect(sample(text, 'earshot_mentions_ingested_total', { source: 'x' })).toBe(2);
      expect(sample(text, 'earshot_x_requests_total', { endpoint: 'mentions', status: '200' })).toBe(1);
      const ok = await readyz(good.url);
      expect(ok.status).toBe(200);
      expect(check(ok.body, 'x')).toMatchObject({ ok: true, required: false });
      expect(check(ok.body, 'x')!.detail).toMatch(/@acme/);
      expect(check(ok.body, 'x')!.detail).not.toMatch(/disabled/);
    } finally {
      await good.stop();
    }
    const bad = await startTestApp({ slack, database, env: xEnv('revoked-bearer-token'), extra: { x: { manual: true } } });
    try {
      await bad.x.pollNow();
      const refused = await readyz(bad.url);
      expect(check(refused.body, 'x')).toMatchObject({ ok: false, required: false });
      expect(check(refused.body, 'x')!.detail).toMatch(/401/);
      expect(check(refused.body, 'x')!.detail).toContain('X_BEARER_TOKEN');
      // X is not required: the Slack side of this replica stays in the load balancer.
      expect(refused.status).toBe(200);
      expect(refused.body.ready).toBe(true);
    } finally {
      await bad.stop();
    }
  });
});

describe.skipIf(!usingServer)('readiness when the database is unreachable (needs a Postgres server)', () => {
  it('marks the database check failed and answers 503; ready again when it returns', async () => {
    const target = new URL(tdb.url!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(tdb.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const db2 = await openDatabase({ url: viaProxy.toString(), dataDir: tdb.dataDir, poolSize: 2 });
    const fragile = await startTestApp({ slack, database: db2, runQueue: false });
    try {
      expect((await readyz(fragile.url)).status).toBe(200);
      await proxy.cut();
      const down = await readyz(fragile.url);
      expect(down.status).toBe(503);
      expect(check(down.body, 'database')).toMatchObject({ ok: false, required: true });
      expect(check(down.body, 'slack')!.ok).toBe(true);
      await proxy.restore();
      expect((await readyz(fragile.url)).status).toBe(200);
    } finally {
      await fragile.stop();
      await db2.close();
      await proxy.close();
    }
  });
});

describe('/metrics', () => {
  it('exposes every metric the operations guide lists', async () => {
    const text = await metrics();
    for (const name of [
      'earshot_mentions_ingested_total',
      'earshot_cards_posted_total',
      'earshot_card_queue_depth',
      'earshot_claims_total',
      'earshot_replies_total',
      'earshot_first_response_seconds',
      'earshot_sla_breaches_total',
      'earshot_reminders_sent_total',
      'earshot_slack_errors_total',
      'earshot_slack_rate_limited_total',
      'earshot_x_requests_total',
      'earshot_x_posts_read_total',
      'earshot_x_rate_limit_waits_total',
      'earshot_webhook_requests_total',
      'earshot_process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('counts a mention from webhook to card, a claim, a Slack 429, a reply and its first-response time', async () => {
    await settle();
    const before = await metrics();
    const base = (name: string, labels: Record<string, string> = {}) => sample(before, name, labels) ?? 0;

    // A 429 on the first post: obeyed, counted, then the card goes out.
    slack.failNext('chat.postMessage', { retryAfter: 0 });
    const m = sampleMention({ source: 'instagram', posted_at: new Date(Date.now() - 5 * 60_000).toISOString() });
    expect((await app.webhook(m)).status).toBe(202);
    const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
    const posted = () => slack.topLevel(TRIAGE).find((x) => (x.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === row.id);
    await slack.waitFor(() => posted() !== undefined, PATIENT_MS, 'card posted');
    // The card's ts as Slack has it (the row learns it a moment later).
    const card = { card_ts: posted()!.ts };

    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(row.id), messageTs: card.card_ts, channel: TRIAGE }));
    await app.handlers.idle();
    await app.interact(
      viewSubmission({
        user: 'UALICE',
        callbackId: VIEW.reply,
        privateMetadata: JSON.stringify({ mentionId: row.id, channel: TRIAGE }),
        values: {
          [INPUT.replyText.block]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: 'Sorry about that! DM us your order number.' } },
          [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: 'public' } } },
        },
      }),
    );
    await app.handlers.idle();
    await slack.waitFor(() => slack.thread(TRIAGE, card.card_ts).some((t) => (t.text ?? '').includes('DM us your order number')), PATIENT_MS, 'reply line');
    await app.queue.drainNow();

    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(after, name, labels) ?? 0) - base(name, labels);
    expect(delta('earshot_mentions_ingested_total', { source: 'instagram' })).toBe(1);
    expect(delta('earshot_webhook_requests_total', { status: '202' })).toBe(1);
    expect(delta('earshot_cards_posted_total')).toBe(1);
    expect(delta('earshot_slack_rate_limited_total')).toBe(1);
    expect(delta('earshot_slack_errors_total', { error: 'ratelimited' })).toBe(1);
    expect(delta('earshot_claims_total')).toBe(1);
    expect(delta('earshot_replies_total', { destination: 'elsewhere', mode: 'public', outcome: 'sent' })).toBe(1);
    expect(delta('earshot_first_response_seconds_count')).toBe(1);
    // Posted five minutes ago: the observation lands in the 600 s bucket, not the 60 s one.
    expect(delta('earshot_first_response_seconds_bucket', { le: '600' })).toBe(1);
    expect(delta('earshot_first_response_seconds_bucket', { le: '60' })).toBe(0);
  });

  it('counts SLA breaches and reminders from the sweep', async () => {
    await settle();
    const before = await metrics();
    const late = sampleMention({ text: 'Still waiting on my refund, it has been weeks.', posted_at: new Date(Date.now() - 70 * 60_000).toISOString() });
    expect((await app.webhook(late)).status).toBe(202);
    const row = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(late.id)).executeTakeFirstOrThrow();
    await slack.waitFor(() => slack.topLevel(TRIAGE).some((x) => (x.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === row.id), PATIENT_MS, 'card posted');
    const swept = await app.sweepSla();
    expect(swept?.queued.filter((r) => r.mentionId === row.id).map((r) => r.kind)).toEqual(['overdue']);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('earshot_sla_breaches_total')).toBe(1);
    expect(delta('earshot_reminders_sent_total', { kind: 'overdue' })).toBe(1);
    // A second sweep owes nothing new: reminders are sent once.
    await app.sweepSla();
    expect((sample(await metrics(), 'earshot_sla_breaches_total') ?? 0) - (sample(before, 'earshot_sla_breaches_total') ?? 0)).toBe(1);
    await app.queue.drainNow();
  });

  it('shows the card queue depth and the Slack error while cards wait for a set-up fix (not_in_channel)', async () => {
    await settle();
    const before = await metrics();
    const calls = slack.callsTo('chat.postMessage').length;
    slack.failNext('chat.postMessage', { error: 'not_in_channel', times: 2 });
    // The two cards wait for a set-up fix that never comes here: the tests after this one start without them.
    onTestFinished(async () => {
      slack.clearFaults();
      await database.db.deleteFrom('slack_jobs').where('status', '=', 'pending').execute();
    });
    expect((await app.webhook({ mentions: [sampleMention(), sampleMention()] })).json.accepted).toBe(2);
    await slack.waitFor(() => slack.callsTo('chat.postMessage').slice(calls).filter((c) => c.error === 'not_in_channel').length === 2, PATIENT_MS, 'two refused posts');
    await slack.waitFor(() => app.queue.busy === 0);
    // Both cards are kept (nothing dropped) and wait for a slow retry: the depth shows them.
    const pending = Number(
      (await database.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n,
    );
    expect(pending).toBeGreaterThanOrEqual(2);
    const after = await metrics();
    expect(sample(after, 'earshot_card_queue_depth')).toBe(pending);
    expect((sample(after, 'earshot_slack_errors_total', { error: 'not_in_channel' }) ?? 0) - (sample(before, 'earshot_slack_errors_total', { error: 'not_in_channel' }) ?? 0)).toBe(2);
  });
});

describe('/metrics labels', () => {
  it('labels webhook sources by name only when INGEST_SOURCES lists them; any other source is "other"', async () => {
    await settle();
    const base = await metrics(app.url);
    const n = (text: string, source: string) => sample(text, 'earshot_mentions_ingested_total', { source }) ?? 0;
    for (const source of ['facebook', 'made-up-1', 'made-up-2']) expect((await app.webhook(sampleMention({ source }))).status).toBe(202);
    const after = await metrics(app.url);
    expect(n(after, 'facebook') - n(base, 'facebook')).toBe(1);
    expect(n(after, 'other') - n(base, 'other')).toBe(2);
    expect(after).not.toContain('made-up-1');
  });
});
