import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, waitForCardTs } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  slack = await startFakeSlack();
  tdb = await createTestDatabase();
  database = await tdb.open();
});

afterAll(async () => {
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

const cardsFor = (id: number) => slack.topLevel(TRIAGE).filter((m) => (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === id);

async function idOf(externalId: unknown): Promise<number> {
  const r = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(externalId)).executeTakeFirstOrThrow();
  return r.id;
}

describe('the card queue', () => {
  it('waits for Retry-After after a 429 on chat.postMessage, then posts the card once', async () => {
    const app = await startTestApp({ slack, database });
    try {
      slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
      const m = sampleMention();
      await app.webhook(m);
      const id = await idOf(m.id);
      await slack.waitFor(() => cardsFor(id).length === 1, PATIENT_MS, 'card after the 429');
      await waitForCardTs(database, id);
      const attempts = slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.metadata ?? '').includes(`"mention_id":${id}`) || c.status === 429);
      const limited = attempts.find((c) => c.status === 429)!;
      const posted = attempts.find((c) => c.ok)!;
      expect(limited).toBeDefined();
      expect(posted.at - limited.at).toBeGreaterThanOrEqual(950);
      const job = await database.db.selectFrom('slack_jobs').selectAll().where('mention_id', '=', id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
      expect(job.status).toBe('done');
      expect(job.attempts).toBe(2);
    } finally {
      await app.stop();
    }
  });

  it('a process stopped between storing a mention and posting its card posts it once after restart', async () => {
    const first = await startTestApp({ slack, database, runQueue: false });
    const m = sampleMention();
    await first.webhook(m);
    const id = await idOf(m.id);
    await first.stop();
    expect(cardsFor(id)).toHaveLength(0);
    const second = await startTestApp({ slack, database });
    try {
      const ts = await waitForCardTs(database, id);
      await second.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);
      expect(ts).toBe(cardsFor(id)[0]!.ts);
    } finally {
      await second.stop();
    }
  });

  it('does not post twice when Slack took the post but the answer was lost', async () => {
    const app = await startTestApp({ slack, database, runQueue: false });
    try {
      slack.failNext('chat.postMessage', { kind: 'timeout-after-commit' });
      const m = sampleMention();
      await app.webhook(m);
      const id = await idOf(m.id);
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1); // Slack has it, earshot does not know yet
      // The retry is due after a back-off; move the job forward instead of waiting.
      await database.db.updateTable('slack_jobs').set({ run_after: new Date(0) }).where('mention_id', '=', id).execute();
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);
      const row = await database.db.selectFrom('mentions').select(['card_ts']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.card_ts).toBe(cardsFor(id)[0]!.ts);
      expect(slack.okCalls('conversations.history').length).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });

  it('keeps a card Slack refuses for a set-up reason (not_in_channel) and posts it once the set-up is fixed', async () => {
    const app = await startTestApp({ slack, database, runQueue: false });
    try {
      slack.failNext('chat.postMessage', { error: 'not_in_channel' });
      const m = sampleMention();
      await app.webhook(m);
      const id = await idOf(m.id);
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(0);
      const job = await database.db.selectFrom('slack_jobs').selectAll().where('mention_id', '=', id).executeTakeFirstOrThrow();
      expect(job.status).toBe('pending');
      expect(job.last_error).toBe('not_in_channel');
      await database.db.updateTable('slack_jobs').set({ run_after: new Date(0) }).where('mention_id', '=', id).execute();
      await app.queue.drainNow();
      expect(cardsFor(id)).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });

  it('drains a burst at the configured pace without losing or duplicating a card', async () => {
    const paced = await startFakeSlack({ postMessage: { perSecond: 20, burst: 3 } });
    const app = await startTestApp({ slack: paced, database, env: { SLACK_POSTS_PER_SECOND: '20' } });
    try {
      const batch = Array.from({ length: 40 }, () => sampleMention());
      const r = await app.webhook({ mentions: batch });
      expect(r.json.accepted).toBe(40);
      const ids = await Promise.all(batch.map((b) => idOf(b.id)));
      const mine = () => paced.topLevel(TRIAGE).filter((x) => ids.includes((x.metadata?.event_payload as any)?.mention_id));
      await paced.waitFor(() => mine().length >= 40, PATIENT_MS, '40 cards');
      await app.queue.drainNow();
      expect(new Set(mine().map((x) => (x.metadata?.event_payload as any).mention_id)).size).toBe(40);
      expect(mine()).toHaveLength(40);
    } finally {
      await app.stop();
      await paced.close();
    }
  });
});
