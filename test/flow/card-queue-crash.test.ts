import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { enqueueJob, type NewJob } from '../../src/db/slack-jobs.js';
import { Outbox } from '../../src/jobs/outbox/worker.js';
import { createLogger } from '../../src/logger.js';
import { slaPolicyFromConfig } from '../../src/sla-policy.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';
import { PATIENT_MS } from '../support/patience.js';

/**
 * A replica that dies between "Slack recorded the post" and "earshot recorded the answer". The
 * dying replica is an outbox on its own connection pool: the fake Slack holds the answer of its
 * post and signals when the post is stored; the pool is then closed (no lease renewals, no
 * answer recorded) and the connection dropped, which leaves the job exactly as a SIGKILL does.
 * The attempt before it was refused with a 429, so the job's last error says nothing was sent:
 * only the in-flight mark tells the next attempt to look before posting.
 */

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  if (!usingServer) return;
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database, runQueue: false });
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

/** The job id in a call's metadata (a JSON string in a form-encoded call). */
function jobIdOf(args: Record<string, unknown>): string {
  const raw = typeof args.metadata === 'string' ? (JSON.parse(args.metadata) as unknown) : args.metadata;
  return String((raw as { event_payload?: { job_id?: unknown } } | undefined)?.event_payload?.job_id);
}
const byJob = (jobId: string) => slack.messages().filter((m) => String(m.metadata?.event_payload?.job_id) === String(jobId));

async function mentionWithCard(): Promise<number> {
  const m = sampleMention();
  await app.webhook(m);
  const { id } = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await app.queue.drainNow();
  return id;
}

/** An outbox of its own (own pool, short lease): the replica the test kills. */
async function doomedReplica(): Promise<{ outbox: Outbox; kill: () => Promise<void> }> {
  const own = await tdb.open({ poolSize: 2 });
  const client = new webApi.WebClient('xoxb-test-token-0123456789', { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  const outbox = new Outbox({
    db: own.db,
    client,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    slaPolicy: slaPolicyFromConfig(app.config),
    postsPerSecond: 50,
    leaseMs: 300,
  });
  return { outbox, kill: () => own.close() };
}

/** The Retry-After passed and the job is due: the test moves both forward instead of sleeping. */
async function dueNow(jobId: string): Promise<void> {
  await database.db.updateTable('slack_jobs').set({ run_after: new Date(0) }).where('id', '=', jobId).execute();
  await database.db.deleteFrom('slack_channel_pace').execute();
}

/** Runs the surviving replica until it has taken over the job (after the dead one's lease ran out). */
async function recover(jobId: string): Promise<void> {
  const deadline = Date.now() + PATIENT_MS;
  for (;;) {
    await app.queue.drainNow();
    const job = await database.db.selectFrom('slack_jobs').select('status').where('id', '=', jobId).executeTakeFirstOrThrow();
    if (job.status !== 'pending') return;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still pending after ${PATIENT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function crashAfterRetriedPost(job: NewJob, method = 'chat.postMessage'): Promise<string> {
  await enqueueJob(database.db, job);
  const { id: jobId } = await database.db.selectFrom('slack_jobs').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const doomed = await doomedReplica();
  slack.failNext(method, { status: 429, retryAfter: 1 });
  await doomed.outbox.drainNow();
  expect(byJob(jobId)).toHaveLength(0);
  await dueNow(jobId);
  const held = slack.holdNext(method, (args) => jobIdOf(args) === String(jobId));
  const attempt = doomed.outbox.drainNow().catch(() => 0);
  await held.recorded;
  expect(byJob(jobId)).toHaveLength(1); // Slack has it; earshot never hears back
  await doomed.kill();
  held.drop();
  await attempt;
  const row = await database.db.selectFrom('slack_jobs').select(['status', 'in_flight', 'last_error']).where('id', '=', jobId).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'pending', in_flight: true, last_error: 'ratelimited' });
  await recover(jobId);
  return jobId;
}

// Several replicas need several connections to one database: a Postgres server (the embedded one is
// single-connection, in-process); CI runs this on the local server.
describe.skipIf(!usingServer)('a replica killed after Slack recorded its post, before the answer', () => {
  it('a new card: exactly one after recovery', async () => {
    const m = sampleMention();
    await app.webhook(m);
    const { id } = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
    // The webhook queued the card job already; take it over as the doomed replica would.
    const { id: jobId } = await database.db.selectFrom('slack_jobs').select('id').where('mention_id', '=', id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
    const doomed = await doomedReplica();
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await doomed.outbox.drainNow();
    await dueNow(jobId);
    const held = slack.holdNext('chat.postMessage', (args) => jobIdOf(args) === String(jobId));
    const attempt = doomed.outbox.drainNow().catch(() => 0);
    await held.recorded;
    await doomed.kill();
    held.drop();
    await attempt;
    await recover(jobId);
    const cards = byJob(jobId);
    expect(cards).toHaveLength(1);
    const row = await database.db.selectFrom('mentions').select('card_ts').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.card_ts).toBe(cards[0]!.ts);
    const job = await database.db.selectFrom('slack_jobs').select(['status', 'result']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'done', result: { reconciled: true } });
  });

  it('a thread line: exactly one after recovery', async () => {
    const id = await mentionWithCard();
    const jobId = await crashAfterRetriedPost({ kind: 'thread_reply', channel: TRIAGE, mentionId: id, payload: { text: ':raising_hand: a line' } });
    expect(byJob(jobId)).toHaveLength(1);
    const job = await database.db.selectFrom('slack_jobs').select(['status', 'result']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'done', result: { reconciled: true } });
  });

  it('a reminder: exactly one after recovery', async () => {
    const id = await mentionWithCard();
    const jobId = await crashAfterRetriedPost({
      kind: 'thread_reply',
      channel: TRIAGE,
      mentionId: id,
      dedupeKey: `reminder:${id}:overdue`,
      payload: { text: ':rotating_light: overdue', broadcast: true, reminder: { kind: 'overdue' } },
    });
    expect(byJob(jobId)).toHaveLength(1);
  });

  it('an escalation post: exactly one after recovery', async () => {
    const id = await mentionWithCard();
    const jobId = await crashAfterRetriedPost({
      kind: 'post_message',
      channel: 'CESCAL01',
      mentionId: id,
      payload: { escalation: { by: 'U1', severity: 'high', category: 'policy', reason: 'legal threat' } },
    });
    expect(byJob(jobId)).toHaveLength(1);
  });
});
