import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, type Database } from '../../src/db/database.js';
import { SENT_JOB_RETENTION_MS, pruneSentJobs } from '../../src/db/slack-jobs-prune.js';
import { queueDepth } from '../../src/db/slack-jobs.js';
import { keepWaiting, pruneWaitingBrandPosts, takeWaitingFor, WAITING_BRAND_POST_RETENTION_MS } from '../../src/db/waiting-brand-posts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  await migrateToLatest(database.db);
});
afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

const now = new Date('2026-06-01T12:00:00Z');
const old = new Date(now.getTime() - SENT_JOB_RETENTION_MS - 60_000);
const recent = new Date(now.getTime() - 60_000);

async function job(status: 'pending' | 'done' | 'failed', doneAt: Date | null, key: string) {
  await database.db
    .insertInto('slack_jobs')
    .values({ kind: 'post_message', channel: 'C1', payload: '{}', status: status as 'pending', done_at: doneAt, dedupe_key: key })
    .execute();
}

describe('pruning sent Slack jobs', () => {
  it('deletes only sent jobs past the retention, in batches; pending and failed ones stay', async () => {
    for (let i = 0; i < 7; i++) await job('done', old, `old-${i}`);
    await job('done', recent, 'recent');
    await job('pending', null, 'pending');
    await job('failed', old, 'failed');
    expect(await pruneSentJobs(database.db, { now, batch: 3 })).toBe(7);
    const left = await database.db.selectFrom('slack_jobs').select('dedupe_key').orderBy('dedupe_key').execute();
    expect(left.map((r) => r.dedupe_key)).toEqual(['failed', 'pending', 'recent']);
    expect(await queueDepth(database.db)).toEqual({ pending: 1, failed: 1 });
    expect(await pruneSentJobs(database.db, { now })).toBe(0);
  });
});

describe('pruning brand posts that waited in vain', () => {
  it('deletes those waiting longer than the retention; a newer one keeps waiting and is still taken when its post comes', async () => {
    const brandPost = (id: string, inReplyTo: string) => ({ source: 'facebook', externalId: id, text: 'Sorry!', author: { handle: 'brand' }, postedAt: now, inReplyTo, direction: 'outbound' as const });
    await keepWaiting(database.db, [brandPost('b-old', 'p-old'), brandPost('b-new', 'p-new')]);
    await database.db.updateTable('brand_posts_waiting').set({ seen_at: new Date(now.getTime() - WAITING_BRAND_POST_RETENTION_MS - 60_000) }).where('external_id', '=', 'b-old').execute();
    expect(await pruneWaitingBrandPosts(database.db, now)).toBe(1);
    expect(await takeWaitingFor(database.db, [{ source: 'facebook', externalId: 'p-old' }])).toEqual([]);
    expect(await takeWaitingFor(database.db, [{ source: 'facebook', externalId: 'p-new' }])).toEqual([brandPost('b-new', 'p-new')]);
    expect(await takeWaitingFor(database.db, [{ source: 'facebook', externalId: 'p-new' }])).toEqual([]);
  });
});
