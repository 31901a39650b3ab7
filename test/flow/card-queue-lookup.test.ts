import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * A post whose answer was lost may be in Slack. The queue looks it up before posting again; when
 * that lookup fails too (Slack errors, rate limits), it must wait and look again, never post
 * blind. Found by the fault suite (Slack failing 30 % of calls): blind re-posts were duplicates.
 */

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  database = await tdb.open();
});

afterAll(async () => {
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

const cardsFor = (id: number) => slack.topLevel(TRIAGE).filter((m) => (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === id);

describe('a post that may have reached Slack', () => {
  it('is looked up again, not posted again, when the lookup fails (500, then 429)', async () => {
    const app = await startTestApp({ slack, database, runQueue: false });
    try {
      const m = sampleMention();
      const r = await app.webhook(m);
      expect(r.status).toBe(202);
      const { id } = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
      const due = () => database.db.updateTable('slack_jobs').set({ run_after: new Date(0) }).where('mention_id', '=', id).execute();

      slack.failNext('chat.postMessage', { kind: 'timeout-after-commit' });
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);

      slack.failNext('conversations.history', { status: 500 });
      await due();
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);

      slack.failNext('conversations.history', { status: 429, retryAfter: 1 });
      await due();
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);

      await due();
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the channel's Retry-After
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);
      const row = await database.db.selectFrom('mentions').select('card_ts').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.card_ts).toBe(cardsFor(id)[0]!.ts);
      const job = await database.db.selectFrom('slack_jobs').select(['status', 'result']).where('mention_id', '=', id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
      expect(job.status).toBe('done');
      expect(job.result).toMatchObject({ reconciled: true });
    } finally {
      await app.stop();
    }
  });
});
