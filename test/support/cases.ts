import { sql } from 'kysely';
import type { Executor } from '../../src/db/database.js';

/**
 * Case data written straight into `posts` and `case_responses`, as the ingest and the clock keep
 * them, so tests of what reads a case do not depend on the code that builds one.
 */

let seq = 0;
const nextId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;

export interface CasePostInput {
  externalId?: string;
  text?: string;
  postedAt: Date;
  authorExternalId?: string | null;
  authorHandle?: string;
  authorName?: string | null;
  inReplyTo?: string | null;
  url?: string | null;
}

async function caseSource(db: Executor, caseId: number): Promise<{ source: string; author_handle: string; author_external_id: string | null }> {
  return db.selectFrom('mentions').select(['source', 'author_handle', 'author_external_id']).where('id', '=', caseId).executeTakeFirstOrThrow();
}

/** The customer's post in a case; also moves the case's customer-post count and latest time. */
export async function addCustomerPost(db: Executor, caseId: number, p: CasePostInput): Promise<{ id: string; external_id: string }> {
  const c = await caseSource(db, caseId);
  const row = await db
    .insertInto('posts')
    .values({
      case_id: caseId,
      source: c.source,
      external_id: p.externalId ?? nextId('c'),
      direction: 'inbound',
      in_reply_to: p.inReplyTo ?? null,
      url: p.url ?? null,
      text: p.text ?? 'still waiting',
      author_external_id: p.authorExternalId === undefined ? c.author_external_id : p.authorExternalId,
      author_handle: p.authorHandle ?? c.author_handle,
      author_name: p.authorName ?? null,
      posted_at: p.postedAt,
    })
    .returning(['id', 'external_id'])
    .executeTakeFirstOrThrow();
  await db
    .updateTable('mentions')
    .set({ customer_posts: sql`customer_posts + 1`, last_customer_post_at: sql`greatest(last_customer_post_at, ${p.postedAt})` })
    .where('id', '=', caseId)
    .execute();
  return row;
}

/** The brand's post in a case: sent through earshot (give `replyId`) or made on the network. */
export async function addBrandPost(
  db: Executor,
  caseId: number,
  p: CasePostInput & { via: 'earshot' | 'outside'; replyId?: number },
): Promise<{ id: string; external_id: string }> {
  const c = await caseSource(db, caseId);
  return db
    .insertInto('posts')
    .values({
      case_id: caseId,
      source: c.source,
      external_id: p.externalId ?? nextId('b'),
      direction: 'outbound',
      via: p.via,
      reply_id: p.replyId ?? null,
      in_reply_to: p.inReplyTo ?? null,
      url: p.url ?? null,
      text: p.text ?? 'We are on it.',
      author_handle: p.authorHandle ?? null,
      posted_at: p.postedAt,
    })
    .returning(['id', 'external_id'])
    .executeTakeFirstOrThrow();
}

/** One wait of the customer for the brand and when it ended. */
export async function addResponse(
  db: Executor,
  caseId: number,
  r: { kind: 'first' | 'next'; waitingSince: Date; dueAt: Date; respondedAt: Date; via?: 'earshot' | 'outside'; responderId?: string | null },
): Promise<void> {
  await db
    .insertInto('case_responses')
    .values({
      case_id: caseId,
      kind: r.kind,
      waiting_since: r.waitingSince,
      due_at: r.dueAt,
      responded_at: r.respondedAt,
      via: r.via ?? 'earshot',
      responder_id: r.responderId ?? null,
    })
    .execute();
}
