import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { validateMessageBlocks } from '../fakes/slack/block-kit.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * A card is never lost for what its author wrote: every text below gets exactly one card that the
 * fake's Block Kit checks (Slack's limits: 3,000 characters per section text…) accept, and a card
 * Slack refuses for its content is replaced by a minimal one instead of being given up on.
 */

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
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

const cardsFor = (id: number) => slack.topLevel(TRIAGE).filter((m) => (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === id);

async function postAndDrain(text: string): Promise<{ id: number; job: { status: string; result: unknown } }> {
  const m = sampleMention({ text });
  const r = await app.webhook(m);
  expect(r.status).toBe(202);
  const { id } = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await app.queue.drainNow();
  const job = await database.db.selectFrom('slack_jobs').select(['status', 'result']).where('mention_id', '=', id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
  return { id, job };
}

const TEXTS: Record<string, string> = {
  '2,000 lines': Array.from({ length: 2000 }, (_, i) => `line ${i + 1}`).join('\n'),
  'many empty lines': '\n'.repeat(3000) + 'end',
  'very long (39,000 characters)': 'a'.repeat(39_000),
  'emoji-heavy': '😡🔥'.repeat(2000),
  'right-to-left': 'طلبي لم يصل بعد & لا أحد يجيب <على> الهاتف\n'.repeat(200),
  'entities at the cut': '&<>'.repeat(3000),
};

describe('cards for texts at and past Slack’s limits', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`${name}: exactly one full card within the limits`, async () => {
      const { id, job } = await postAndDrain(text);
      expect(job.status).toBe('done');
      expect(job.result).not.toMatchObject({ safeCard: true });
      const cards = cardsFor(id);
      expect(cards).toHaveLength(1);
      expect(validateMessageBlocks(cards[0]!.blocks)).toEqual([]);
      const quoted = (cards[0]!.blocks as Array<{ type: string; text?: { text: string } }>)[1]!.text!.text;
      expect(quoted.length).toBeLessThanOrEqual(3000);
      expect(quoted.startsWith('>')).toBe(true);
    });
  }

  for (const error of ['invalid_blocks', 'msg_too_long']) {
    it(`a card Slack refuses with ${error} is posted as the minimal card, once, with its buttons`, async () => {
      slack.failNext('chat.postMessage', { error });
      const { id, job } = await postAndDrain('Where is my order?');
      expect(job.status).toBe('done');
      expect(job.result).toMatchObject({ safeCard: true });
      const cards = cardsFor(id);
      expect(cards).toHaveLength(1);
      const blocks = cards[0]!.blocks as Array<{ type: string }>;
      expect(blocks.some((b) => b.type === 'actions')).toBe(true);
      expect(JSON.stringify(blocks)).toContain('Where is my order?');
      const row = await database.db.selectFrom('mentions').select('card_ts').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.card_ts).toBe(cards[0]!.ts);
    });
  }
});
