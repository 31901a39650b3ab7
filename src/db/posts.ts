import { sql } from 'kysely';
import type { MentionStatus } from '../domain/lifecycle.js';
import type { Executor } from './database.js';
import type { NewPost } from './schema.js';

export interface PostKey {
  source: string;
  externalId: string;
}

/** The case a stored post belongs to, as the join rule reads it. */
export interface StoredPost {
  caseId: number;
  status: MentionStatus;
  closedAt: Date | null;
  cardChannel?: string | null;
  cardTs?: string | null;
}

export function postKey(source: string, externalId: string): string {
  return `${source}\u0000${externalId}`;
}

/**
 * Which of `keys` are stored posts, and their case: one statement for a whole batch, both for the
 * duplicates of the batch and for the posts its replies answer. Served by the unique key on
 * (source, external_id).
 */
export async function lookupPosts(db: Executor, keys: PostKey[]): Promise<Map<string, StoredPost>> {
  const found = new Map<string, StoredPost>();
  if (keys.length === 0) return found;
  const rows = await sql<{ source: string; external_id: string; case_id: number; status: MentionStatus; closed_at: Date | null; card_channel: string | null; card_ts: string | null }>`
    select p.source, p.external_id, p.case_id, m.status, m.closed_at, m.card_channel, m.card_ts
    from posts p
    join unnest(${keys.map((k) => k.source)}::text[], ${keys.map((k) => k.externalId)}::text[]) as k(source, external_id)
      on p.source = k.source and p.external_id = k.external_id
    join mentions m on m.id = p.case_id`.execute(db);
  for (const r of rows.rows) found.set(postKey(r.source, r.external_id), { caseId: r.case_id, status: r.status, closedAt: r.closed_at, cardChannel: r.card_channel, cardTs: r.card_ts });
  return found;
}

/** Inserts posts, leaving any (source, external_id) already stored alone; returns those inserted. */
export async function insertPosts(db: Executor, rows: NewPost[]): Promise<Array<{ id: string; source: string; external_id: string; case_id: number }>> {
  if (rows.length === 0) return [];
  return db
    .insertInto('posts')
    .values(rows)
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .returning(['id', 'source', 'external_id', 'case_id'])
    .execute();
}
