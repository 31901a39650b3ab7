import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { completeJob, enqueueJob, failJob, leaseNextJob, leaseOf, renewLease, retryJob } from '../../src/db/slack-jobs.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** Only the worker holding a job's lease may end (or extend) its attempt. */

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

describe('fencing', () => {
  it('a worker whose lease expired cannot complete, retry, fail or renew the job another holds', async () => {
    await enqueueJob(database.db, { kind: 'post_message', channel: 'CESC', payload: { escalation: { by: 'U1', severity: 'low', category: 'policy', reason: 'r' } } });
    // A second on: run_after defaults to the database's now() (microseconds), a Date has whole
    // milliseconds, so a lease in the same millisecond as the enqueue would find the job not yet due.
    const now = new Date(Date.now() + 1000);
    // A's lease is over the moment it is taken (as if A had stalled for longer than a lease).
    const a = await leaseNextJob(database.db, { worker: 'A', now, leaseMs: 1, realNow: new Date(now.getTime() - 60_000) });
    expect(a).toBeDefined();
    const b = await leaseNextJob(database.db, { worker: 'B', now, leaseMs: 60_000 });
    expect(b?.id).toBe(a!.id);
    expect(b!.attempts).toBe(2);
    // B's lease sees that A's attempt may have reached Slack.
    expect(b!.delivery_unknown).toBe(true);

    const stale = { ...leaseOf(a!), kind: a!.kind };
    expect(await completeJob(database.db, stale, { ts: 'A' })).toBe(false);
    expect(await retryJob(database.db, stale, { runAfter: new Date(), error: 'x', deliveryUnknown: false })).toBe(false);
    expect(await failJob(database.db, stale, 'x')).toBe(false);
    expect(await renewLease(database.db, stale, new Date(Date.now() + 60_000))).toBe(false);
    const mid = await database.db.selectFrom('slack_jobs').selectAll().where('id', '=', a!.id).executeTakeFirstOrThrow();
    expect(mid).toMatchObject({ status: 'pending', locked_by: 'B', in_flight: true, result: null });

    expect(await completeJob(database.db, { ...leaseOf(b!), kind: b!.kind }, { ts: 'B' })).toBe(true);
    const done = await database.db.selectFrom('slack_jobs').selectAll().where('id', '=', a!.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'done', in_flight: false, delivery_unknown: false, result: { ts: 'B' } });
  });

  it('an attempt that ended cannot be renewed back into a lease', async () => {
    await enqueueJob(database.db, { kind: 'post_card', channel: 'C1' });
    // A second on, for the reason given in the test above.
    const j = await leaseNextJob(database.db, { worker: 'A', now: new Date(Date.now() + 1000), leaseMs: 60_000 });
    const lease = leaseOf(j!);
    expect(await retryJob(database.db, lease, { runAfter: new Date(), error: 'ratelimited', deliveryUnknown: false })).toBe(true);
    expect(await renewLease(database.db, lease, new Date(Date.now() + 60_000))).toBe(false);
    const row = await database.db.selectFrom('slack_jobs').selectAll().where('id', '=', j!.id).executeTakeFirstOrThrow();
    expect(row.locked_until).toBeNull();
    // 429: Slack said it did not post, so the next attempt need not look it up.
    const next = await leaseNextJob(database.db, { worker: 'B', now: new Date(), leaseMs: 60_000 });
    expect(next?.delivery_unknown).toBe(false);
  });
});
