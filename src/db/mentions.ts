import { sql } from 'kysely';
import type { MentionStatus } from '../domain/lifecycle.js';
import type { Executor } from './database.js';
import type { MentionRow, MentionUpdate, NewMention } from './schema.js';

export async function getMention(db: Executor, id: number): Promise<MentionRow | undefined> {
  return db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Inserts mentions, ignoring any `(source, external_id)` already stored (or repeated in the batch).
 * Returns the rows actually inserted, with their SLA warning (the sweep's first look).
 */
export async function insertMentions(
  db: Executor,
  rows: NewMention[],
): Promise<Array<{ id: number; source: string; external_id: string; sla_warn_at: Date }>> {
  if (rows.length === 0) return [];
  return db
    .insertInto('mentions')
    .values(rows)
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .returning(['id', 'source', 'external_id', 'sla_warn_at'])
    .execute();
}

/** Handles among `handles` that already have a mention from `source`: not a first contact. */
export async function knownAuthors(db: Executor, source: string, handles: string[]): Promise<Set<string>> {
  if (handles.length === 0) return new Set();
  const rows = await db
    .selectFrom('mentions')
    .select('author_handle')
    .distinct()
    .where('source', '=', source)
    .where(sql<string>`lower(author_handle)`, 'in', handles.map((h) => h.toLowerCase()))
    .execute();
  return new Set(rows.map((r) => r.author_handle.toLowerCase()));
}

/**
 * The one way a mention changes state: a compare-and-set on the status and owner the caller read
 * (and decided on), so a change that lost a race updates nothing. The rules themselves are in
 * `domain/lifecycle.ts`. Returns the new row, or undefined when the mention changed meanwhile.
 */
export async function applyTransition(
  db: Executor,
  id: number,
  read: { status: MentionStatus; owner_id: string | null },
  set: MentionUpdate,
): Promise<MentionRow | undefined> {
  let q = db
    .updateTable('mentions')
    .set({ ...set, updated_at: sql`now()` as unknown as Date })
    .where('id', '=', id)
    .where('status', '=', read.status);
  q = read.owner_id === null ? q.where('owner_id', 'is', null) : q.where('owner_id', '=', read.owner_id);
  return q.returningAll().executeTakeFirst();
}

export interface NewEvent {
  mentionId: number;
  kind: string;
  actorId: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  details?: Record<string, unknown>;
  at?: Date;
}

export async function addEvent(db: Executor, e: NewEvent): Promise<void> {
  await addEvents(db, [e]);
}

/** Many audit rows in one statement. */
export async function addEvents(db: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('mention_events').values(events.map(eventRow)).execute();
}

function eventRow(e: NewEvent) {
  return {
    mention_id: e.mentionId,
    kind: e.kind,
    actor_id: e.actorId,
    from_status: e.fromStatus ?? null,
    to_status: e.toStatus ?? null,
    details: JSON.stringify(e.details ?? {}),
    ...(e.at ? { at: e.at } : {}),
  };
}

/** The latest event of one of `kinds` for a mention: who got there first when a change loses a race. */
export async function latestEvent(db: Executor, mentionId: number, kinds: string[]) {
  return db
    .selectFrom('mention_events')
    .selectAll()
    .where('mention_id', '=', mentionId)
    .where('kind', 'in', kinds)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function recordCardPosted(db: Executor, id: number, channel: string, ts: string): Promise<void> {
  await db.updateTable('mentions').set({ card_channel: channel, card_ts: ts }).where('id', '=', id).execute();
}

/**
 * Writes what the lifecycle decided for `read` (the row as read in this transaction): the status,
 * the owner and when they took it, plus `set`; undefined when the row changed since it was read.
 */
export async function applyDecision(
  db: Executor,
  read: Pick<MentionRow, 'id' | 'status' | 'owner_id'>,
  decision: { to: MentionStatus; ownerId: string | null },
  set: MentionUpdate,
  now: Date,
): Promise<MentionRow | undefined> {
  const ownerChanged = decision.ownerId !== read.owner_id;
  return applyTransition(db, read.id, read, {
    status: decision.to,
    ...(ownerChanged ? { owner_id: decision.ownerId, claimed_at: decision.ownerId ? now : null } : {}),
    ...set,
  });
}
