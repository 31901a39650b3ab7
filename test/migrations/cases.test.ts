import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrationProvider } from '../../migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The conversations migration on a database that holds data written by the schema before it:
 * every mention becomes a one-post case with its card, owner, history and figures intact.
 */
describe('migration 0008_cases on existing data', () => {
  let tdb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ url: tdb.url, dataDir: tdb.dataDir });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const before = await migrator.migrateTo('0005_author_lookup');
    if (before.error) throw before.error;
    const db = database.db as never as import('kysely').Kysely<any>;
    const base = { author_handle: 'jane', text: 'my order never came', priority: 'normal' };
    await db
      .insertInto('mentions')
      .values([
        // Open, unanswered, claimed.
        { ...base, id: 1, source: 'x', external_id: '1001', posted_at: '2026-11-20T10:00:00Z', sla_warn_at: '2026-11-20T10:45:00Z', sla_due_at: '2026-11-20T11:00:00Z', status: 'claimed', owner_id: 'U1', claimed_at: '2026-11-20T10:05:00Z', card_channel: 'C1', card_ts: '1.1' },
        // Answered on X through earshot, then resolved.
        { ...base, id: 2, source: 'x', external_id: '1002', author_handle: 'bob', posted_at: '2026-11-20T12:00:00Z', sla_warn_at: '2026-11-20T12:45:00Z', sla_due_at: '2026-11-20T13:00:00Z', status: 'resolved', owner_id: 'U2', first_response_at: '2026-11-20T12:20:00Z', first_response_by: 'U2', closed_at: '2026-11-20T14:00:00Z', closed_by: 'U2', close_kind: 'resolved', card_channel: 'C1', card_ts: '1.2' },
        // Answered elsewhere (no network id), still open.
        { ...base, id: 3, source: 'facebook', external_id: 'fb-9', author_handle: 'carol', posted_at: '2026-11-21T09:00:00Z', sla_warn_at: '2026-11-21T09:45:00Z', sla_due_at: '2026-11-21T10:00:00Z', status: 'replied', owner_id: 'U1', first_response_at: '2026-11-21T10:30:00Z', first_response_by: 'U1' },
      ])
      .execute();
    await db
      .insertInto('replies')
      .values([
        { mention_id: 2, slack_user_id: 'U2', text: 'So sorry, refund on its way', mode: 'public', destination: 'x', status: 'sent', external_id: '5002', external_url: 'https://x.com/brand/status/5002', sent_at: '2026-11-20T12:20:00Z' },
        { mention_id: 3, slack_user_id: 'U1', text: 'We answered on Facebook', mode: 'public', destination: 'elsewhere', status: 'sent', sent_at: '2026-11-21T10:30:00Z' },
      ])
      .execute();
    await db.insertInto('mention_events').values({ mention_id: 1, kind: 'claimed', actor_id: 'U1', from_status: 'new', to_status: 'claimed' }).execute();
    const after = await migrator.migrateToLatest();
    if (after.error) throw after.error;
  });

  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('keeps every mention, card, owner and audit row', async () => {
    const rows = await database.db.selectFrom('mentions').select(['id', 'status', 'owner_id', 'card_ts', 'first_response_at']).orderBy('id').execute();
    expect(rows.map((r) => [r.id, r.status, r.owner_id, r.card_ts])).toEqual([
      [1, 'claimed', 'U1', '1.1'],
      [2, 'resolved', 'U2', '1.2'],
      [3, 'replied', 'U1', null],
    ]);
    const events = await database.db.selectFrom('mention_events').select(['mention_id', 'kind']).execute();
    expect(events).toEqual([{ mention_id: 1, kind: 'claimed' }]);
  });

  it('makes each mention a one-post case, and each reply posted to a network the brand’s post in it', async () => {
    const posts = await sql<{ case_id: number; external_id: string; direction: string; via: string | null; in_reply_to: string | null }>`
      select case_id, external_id, direction, via, in_reply_to from posts order by case_id, posted_at`.execute(database.db);
    expect(posts.rows).toEqual([
      { case_id: 1, external_id: '1001', direction: 'inbound', via: null, in_reply_to: null },
      { case_id: 2, external_id: '1002', direction: 'inbound', via: null, in_reply_to: null },
      { case_id: 2, external_id: '5002', direction: 'outbound', via: 'earshot', in_reply_to: '1002' },
      { case_id: 3, external_id: 'fb-9', direction: 'inbound', via: null, in_reply_to: null },
    ]);
  });

  it('keeps the first-response figures, and only the unanswered open case is waiting', async () => {
    const r = await sql<{ case_id: number; kind: string; seconds: number }>`
      select case_id, kind, extract(epoch from responded_at - waiting_since)::int as seconds from case_responses order by case_id`.execute(database.db);
    expect(r.rows).toEqual([
      { case_id: 2, kind: 'first', seconds: 20 * 60 },
      { case_id: 3, kind: 'first', seconds: 90 * 60 },
    ]);
    const waiting = await sql<{ id: number; customer_posts: number; waiting: boolean }>`
      select id, customer_posts, waiting_since is not null as waiting from mentions order by id`.execute(database.db);
    expect(waiting.rows).toEqual([
      { id: 1, customer_posts: 1, waiting: true },
      { id: 2, customer_posts: 1, waiting: false },
      { id: 3, customer_posts: 1, waiting: false },
    ]);
  });
});
