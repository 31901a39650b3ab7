import { sql } from 'kysely';
import type { Executor, Tx } from './database.js';
import type { MentionRow } from './schema.js';

/** The columns the SLA sweep decides and writes from: the case's, and its bookkeeping (`sla_checks`). */
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
  | 'waiting_since'
  | 'sla_warn_at'
  | 'sla_due_at'
  | 'last_brand_reply_at'
> & { sla_stage: number; sla_follow_ups: number; sla_follow_up_at: Date | null };

/**
 * Locks up to `limit` cases whose next SLA check has come, oldest first: their `sla_checks` rows
 * and their mention rows, the mention first (as every other writer of both: a change of the case,
 * then its bookkeeping), so a sweep and a click never wait for each other in a circle. Served by
 * the partial index on sla_checks (next_check_at, mention_id), so it reads only what is due
 * however many cases there are. Waits for rows locked elsewhere rather than skipping them: a
 * skipped row (the queue storing its card's ts, a claim in flight) would wait a whole tick, and a
 * reply in that minute would lose its overdue reminder and breach count. A sweep that overlaps
 * another waits for that batch and then sees the moved next_check_at (Postgres re-checks the
 * WHERE against the new version of the sla_checks row), so no case is decided twice.
 */
export async function lockDueMentions(trx: Tx, now: Date, limit: number): Promise<SweepMention[]> {
  return trx
    .selectFrom('mentions as m')
    .innerJoin('sla_checks as c', 'c.mention_id', 'm.id')
    .select([
      'm.id',
      'm.source',
      'm.author_handle',
      'm.posted_at',
      'm.priority',
      'm.status',
      'm.owner_id',
      'm.escalated_at',
      'm.escalated_by',
      'm.first_response_at',
      'm.card_channel',
      'c.stage as sla_stage',
      'c.follow_ups as sla_follow_ups',
      'c.follow_up_at as sla_follow_up_at',
      'm.waiting_since',
      'm.sla_warn_at',
      'm.sla_due_at',
      'm.last_brand_reply_at',
    ])
    .where('c.next_check_at', '<=', now)
    .orderBy('c.next_check_at')
    .orderBy('c.mention_id')
    .limit(limit)
    .forUpdate()
    .execute();
}

/**
 * The sweep's transaction commits without waiting for its WAL to reach the disk (it waited ~2 ms
 * a tick here, a sixth of a busy tick). Safe for what it writes: a reminder reaches Slack only
 * after the outbox commits its lease on the job, and that commit (synchronous) flushes the WAL
 * behind it, this transaction's included; if the server crashes first, the batch is gone as a
 * whole and its cases, still due, are decided again on the next tick.
 */
export async function commitWithoutFlush(trx: Tx): Promise<void> {
  await sql`set local synchronous_commit = off`.execute(trx);
}

/**
 * Asks the SLA sweep to look at these cases at `at` (a new case at its warning; a case whose
 * clock stopped or that was escalated at once, so the sweep drops the reminders and schedules the
 * follow-up). Call it after changing the mention row, in the same transaction.
 */
export async function scheduleSlaChecks(db: Executor, checks: Array<{ mentionId: number; at: Date | string }>): Promise<void> {
  if (checks.length === 0) return;
  await sql`
    insert into sla_checks (mention_id, next_check_at)
    select id, at from unnest(${checks.map((c) => c.mentionId)}::int[], ${checks.map((c) => c.at)}::timestamptz[]) as v(id, at)
    order by id
    on conflict (mention_id) do update set next_check_at = excluded.next_check_at`.execute(db);
}

export interface SlaBookkeeping {
  id: number;
  slaStage: number;
  followUps: number;
  lastFollowUpAt: Date | null;
  nextCheckAt: Date | null;
}

/** A reminder to queue as a thread reply on the case's card (`reminder` and `n` go to its audit row). */
export interface SweepReminderJob {
  mentionId: number;
  channel: string;
  dedupeKey: string;
  priority: number;
  payload: Record<string, unknown>;
  reminder: string;
  n: number;
}

/** What one batch of the sweep writes: reminders, card refreshes and every due mention's bookkeeping. */
export interface SweepWrites {
  reminders: SweepReminderJob[];
  /** Cards whose SLA line changed (at most one pending refresh per mention, as `enqueueCardUpdates`). */
  refresh: Array<{ mentionId: number; channel: string; priority: number }>;
  bookkeeping: SlaBookkeeping[];
  at: Date;
}

/**
 * Writes a sweep batch in one statement (one round trip, one UPDATE of `sla_checks`): the reminders
 * into the Slack outbox (a dedupe key that exists already adds nothing), one `sla_reminder` audit
 * row for each reminder actually added, the card refreshes, and the bookkeeping and next check of
 * every mention of the batch. Returns the dedupe keys added, so only those are logged and counted.
 * Postgres runs the parts against one snapshot and checks the foreign keys when all are done.
 */
export async function writeSweepBatch(trx: Tx, w: SweepWrites): Promise<string[]> {
  if (w.reminders.length === 0 && w.refresh.length === 0 && w.bookkeeping.length === 0) return [];
  const jobs = JSON.stringify(
    w.reminders.map((r, i) => ({ i, m: r.mentionId, c: r.channel, k: r.dedupeKey, p: r.priority, payload: r.payload, r: r.reminder, n: r.n })),
  );
  const b = w.bookkeeping;
  const r = await sql<{ dedupe_key: string }>`
    with j as (
      select * from jsonb_to_recordset(${jobs}::jsonb) as v(i int, m int, c text, k text, p smallint, payload jsonb, r text, n int)
    ), added as (
      insert into slack_jobs (kind, channel, mention_id, dedupe_key, payload, priority)
      select 'thread_reply', j.c, j.m, j.k, j.payload, j.p from j order by j.i
      on conflict (dedupe_key) do nothing
      returning dedupe_key
    ), events as (
      insert into mention_events (mention_id, kind, actor_id, details, at)
      select j.m, 'sla_reminder', null, jsonb_build_object('reminder', j.r, 'n', j.n), ${w.at}::timestamptz
      from added join j on j.k = added.dedupe_key order by j.i
    ), cards as (
      insert into slack_jobs (kind, channel, mention_id, priority)
      select 'update_card', c.channel, c.id, c.priority
      from unnest(${w.refresh.map((c) => c.mentionId)}::int[], ${w.refresh.map((c) => c.channel)}::text[], ${w.refresh.map((c) => c.priority)}::smallint[]) as c(id, channel, priority)
      on conflict (mention_id) where kind = 'update_card' and status = 'pending'
      do update set rerun = slack_jobs.locked_until is not null
    ), bookkeeping as (
      update sla_checks c set
        stage = v.stage,
        follow_ups = v.follow_ups,
        follow_up_at = v.follow_up_at,
        next_check_at = v.next_check_at
      from unnest(
        ${b.map((x) => x.id)}::int[],
        ${b.map((x) => x.slaStage)}::smallint[],
        ${b.map((x) => x.followUps)}::int[],
        ${b.map((x) => x.lastFollowUpAt)}::timestamptz[],
        ${b.map((x) => x.nextCheckAt)}::timestamptz[]
      ) as v(id, stage, follow_ups, follow_up_at, next_check_at)
      where c.mention_id = v.id
    )
    select dedupe_key from added`.execute(trx);
  return r.rows.map((row) => row.dedupe_key);
}

/** How a quiet case is closed: its audit details, its thread line and the two jobs' priorities. */
export interface IdleResolve {
  quietSince: Date;
  now: Date;
  limit: number;
  /** The card's channel when the row has none. */
  triageChannel: string;
  details: Record<string, unknown>;
  line: string;
  linePriority: number;
  cardPriority: number;
}

/**
 * Quiet cases close themselves: up to `limit` cases the brand has answered, not waiting, with no
 * customer post since `quietSince`, become resolved by earshot, each with a `resolved` audit row,
 * a thread line (unique key `idle:<case>:<now>`) and a card refresh, all in one statement, so it
 * is atomic on its own (SKIP LOCKED: a case being changed right now is left for the next tick).
 * Returns the cases resolved.
 */
export async function resolveIdleCases(db: Executor, o: IdleResolve): Promise<number[]> {
  const r = await sql<{ id: number }>`
    with resolved as (
      update mentions m set status = 'resolved', closed_at = ${o.now}, closed_by = null, close_kind = 'resolved',
                            updated_at = now()
      where m.id in (
        select id from mentions
        where status = 'replied' and waiting_since is null and last_brand_reply_at is not null
          and coalesce(last_customer_post_at, posted_at) < ${o.quietSince}
        order by coalesce(last_customer_post_at, posted_at)
        limit ${o.limit}
        for update skip locked)
      returning m.id, coalesce(m.card_channel, ${o.triageChannel}) as channel
    ), checks as (
      update sla_checks c set next_check_at = null from resolved where c.mention_id = resolved.id
    ), events as (
      insert into mention_events (mention_id, kind, actor_id, from_status, to_status, details, at)
      select id, 'resolved', null, 'replied', 'resolved', ${JSON.stringify(o.details)}::jsonb, ${o.now}::timestamptz from resolved order by id
    ), lines as (
      insert into slack_jobs (kind, channel, mention_id, dedupe_key, payload, priority)
      select 'thread_reply', channel, id, 'idle:' || id || ':' || ${String(o.now.getTime())}, ${JSON.stringify({ text: o.line })}::jsonb, ${o.linePriority}::smallint
      from resolved order by id
      on conflict (dedupe_key) do nothing
    ), cards as (
      insert into slack_jobs (kind, channel, mention_id, priority)
      select 'update_card', channel, id, ${o.cardPriority}::smallint from resolved order by id
      on conflict (mention_id) where kind = 'update_card' and status = 'pending'
      do update set rerun = slack_jobs.locked_until is not null
    )
    select id from resolved order by id`.execute(db);
  return r.rows.map((row) => row.id);
}
