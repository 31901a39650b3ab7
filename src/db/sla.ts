import { sql } from 'kysely';
import type { Tx } from './database.js';
import type { MentionRow } from './schema.js';

/** The columns the SLA sweep decides and writes from. */
export type SweepMention = Pick<
  MentionRow,
  | 'id'
  | 'source'
  | 'author_handle'
  | 'posted_at'
  | 'priority'
  | 'status'
  | 'owner_id'
  | 'escalated_at'
  | 'escalated_by'
  | 'first_response_at'
  | 'card_channel'
  | 'sla_stage'
  | 'sla_follow_ups'
  | 'sla_follow_up_at'
  | 'waiting_since'
  | 'sla_warn_at'
  | 'sla_due_at'
  | 'last_brand_reply_at'
>;

/**
 * Locks up to `limit` mentions whose next SLA check has come, oldest first. Served by the partial
 * index on (sla_next_check_at, id), so it reads only what is due however many mentions there are.
 * Waits for rows locked elsewhere rather than skipping them: a skipped row (the queue storing its
 * card's ts, a claim in flight) would wait a whole tick, and a reply in that minute would lose its
 * overdue reminder and breach count. A sweep that overlaps another waits for that batch and then
 * sees the moved sla_next_check_at (Postgres re-checks the WHERE after the wait), so no row is
 * decided twice.
 */
export async function lockDueMentions(trx: Tx, now: Date, limit: number): Promise<SweepMention[]> {
  return trx
    .selectFrom('mentions')
    .select([
      'id',
      'source',
      'author_handle',
      'posted_at',
      'priority',
      'status',
      'owner_id',
      'escalated_at',
      'escalated_by',
      'first_response_at',
      'card_channel',
      'sla_stage',
      'sla_follow_ups',
      'sla_follow_up_at',
      'waiting_since',
      'sla_warn_at',
      'sla_due_at',
      'last_brand_reply_at',
    ])
    .where('sla_next_check_at', '<=', now)
    .orderBy('sla_next_check_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .execute();
}

export interface SlaBookkeeping {
  id: number;
  slaStage: number;
  followUps: number;
  lastFollowUpAt: Date | null;
  nextCheckAt: Date | null;
}

/** Stores what the sweep decided for many mentions in one statement. */
export async function saveSlaBookkeeping(trx: Tx, rows: SlaBookkeeping[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    update mentions m set
      sla_stage = v.stage,
      sla_follow_ups = v.follow_ups,
      sla_follow_up_at = v.follow_up_at,
      sla_next_check_at = v.next_check_at
    from unnest(
      ${rows.map((r) => r.id)}::int[],
      ${rows.map((r) => r.slaStage)}::smallint[],
      ${rows.map((r) => r.followUps)}::int[],
      ${rows.map((r) => r.lastFollowUpAt)}::timestamptz[],
      ${rows.map((r) => r.nextCheckAt)}::timestamptz[]
    ) as v(id, stage, follow_ups, follow_up_at, next_check_at)
    where m.id = v.id`.execute(trx);
}

/** One audit row per reminder queued (`sla_reminder`, with its kind and number). */
export async function addReminderEvents(trx: Tx, reminders: Array<{ mentionId: number; kind: string; n: number }>, at: Date): Promise<void> {
  if (reminders.length === 0) return;
  await trx
    .insertInto('mention_events')
    .values(reminders.map((r) => ({ mention_id: r.mentionId, kind: 'sla_reminder', actor_id: null, details: JSON.stringify({ reminder: r.kind, n: r.n }), at })))
    .execute();
}

/**
 * Quiet cases close themselves: up to `limit` cases the brand has answered, not waiting, with no
 * customer post since `quietSince`, become resolved by earshot in one statement (SKIP LOCKED: a
 * case being changed right now is left for the next tick). Returns them for the audit rows,
 * thread lines and card refreshes.
 */
export async function resolveIdleCases(trx: Tx, quietSince: Date, now: Date, limit: number): Promise<Array<{ id: number; card_channel: string | null }>> {
  const r = await sql<{ id: number; card_channel: string | null }>`
    update mentions m set status = 'resolved', closed_at = ${now}, closed_by = null, close_kind = 'resolved',
                          sla_next_check_at = null, updated_at = now()
    where m.id in (
      select id from mentions
      where status = 'replied' and waiting_since is null and last_brand_reply_at is not null
        and coalesce(last_customer_post_at, posted_at) < ${quietSince}
      order by coalesce(last_customer_post_at, posted_at)
      limit ${limit}
      for update skip locked)
    returning m.id, m.card_channel`.execute(trx);
  return r.rows;
}
