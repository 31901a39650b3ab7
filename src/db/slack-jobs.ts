import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { Executor } from './database.js';
import type { ReminderKind } from '../domain/reminders.js';
import type { ThreadLine } from '../domain/thread-lines.js';
import type { DB, SlackJobKind, SlackJobRow } from './schema.js';

/** Lower runs first: what a person just did beats the backlog of new cards. */
export const JOB_PRIORITY = { interactive: 0, reminder: 2, card: 5 } as const;

/**
 * A post in a card's thread: what happened (`line`, rendered when it is sent) or a text rendered
 * when it was queued (reminders, and jobs queued by earlier versions). A reminder carries its kind
 * so a stale one can be skipped.
 */
export type ThreadReplyPayload = ({ line: ThreadLine } | { text: string }) & {
  /** Also shown in the channel (an overdue reminder is news for everyone). */
  broadcast?: boolean;
  reminder?: { kind: ReminderKind };
};

/** What an escalation post says; rendered into blocks when it is sent. */
export interface EscalationPayload {
  escalation: {
    by: string;
    severity: string;
    category: string;
    reason: string;
    leadsGroup?: string;
  };
}

/** The payload each kind of job carries (cards and refreshes render from the mention row). */
export interface JobPayloads {
  post_card: Record<string, never>;
  update_card: Record<string, never>;
  thread_reply: ThreadReplyPayload;
  post_message: EscalationPayload;
}

interface NewJobBase {
  channel: string;
  mentionId?: number | null;
  dedupeKey?: string | null;
  priority?: number;
  runAfter?: Date;
}

export type NewJob = { [K in SlackJobKind]: NewJobBase & { kind: K; payload?: JobPayloads[K] } }[SlackJobKind];

/** A leased job, its payload typed by its kind. */
export type OutboxJob = { [K in SlackJobKind]: Omit<SlackJobRow, 'kind' | 'payload'> & { kind: K; payload: JobPayloads[K] } }[SlackJobKind];

/** Who holds a job: fencing for every write that ends an attempt. */
export interface Lease {
  id: string;
  worker: string;
  attempt: number;
}

export function leaseOf(job: Pick<SlackJobRow, 'id' | 'locked_by' | 'attempts'>): Lease {
  return { id: job.id, worker: job.locked_by ?? '', attempt: job.attempts };
}

/** Enqueues a Slack write. A job whose dedupe key exists already is not added again. */
export async function enqueueJob(db: Executor, job: NewJob): Promise<boolean> {
  return (await enqueueJobs(db, [job])).length === 1;
}

/**
 * Enqueues many Slack writes in one statement (a batch of new cards: one round trip instead of one
 * per card). Jobs whose dedupe key exists already are skipped; returns the keys of those added.
 */
export async function enqueueJobs(db: Executor, jobs: NewJob[]): Promise<Array<{ dedupe_key: string | null }>> {
  if (jobs.length === 0) return [];
  return db
    .insertInto('slack_jobs')
    .values(jobs.map(jobRow))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('dedupe_key')
    .execute();
}

function jobRow(job: NewJob) {
  return {
    kind: job.kind,
    channel: job.channel,
    mention_id: job.mentionId ?? null,
    dedupe_key: job.dedupeKey ?? null,
    payload: JSON.stringify(job.payload ?? {}),
    priority: job.priority ?? JOB_PRIORITY.card,
    ...(job.runAfter ? { run_after: job.runAfter } : {}),
  };
}

/**
 * Asks for the card of `mentionId` to be re-rendered from its row. At most one refresh is pending
 * per mention; when one is already being sent, it is marked to run once more afterwards so the
 * card never keeps a state older than the row.
 */
export async function enqueueCardUpdate(db: Executor, mentionId: number, channel: string): Promise<void> {
  await db
    .insertInto('slack_jobs')
    .values({ kind: 'update_card', channel, mention_id: mentionId, priority: JOB_PRIORITY.interactive })
    .onConflict((oc) =>
      oc
        .column('mention_id')
        .where('kind', '=', 'update_card')
        .where('status', '=', 'pending')
        .doUpdateSet({ rerun: sql<boolean>`slack_jobs.locked_until is not null` }),
    )
    .execute();
}

/** `enqueueCardUpdate` for many mentions (each at most once) in one statement. */
export async function enqueueCardUpdates(db: Executor, cards: Array<{ mentionId: number; channel: string }>): Promise<void> {
  if (cards.length === 0) return;
  await db
    .insertInto('slack_jobs')
    .values(cards.map((c) => ({ kind: 'update_card' as const, channel: c.channel, mention_id: c.mentionId, priority: JOB_PRIORITY.interactive })))
    .onConflict((oc) =>
      oc
        .column('mention_id')
        .where('kind', '=', 'update_card')
        .where('status', '=', 'pending')
        .doUpdateSet({ rerun: sql<boolean>`slack_jobs.locked_until is not null` }),
    )
    .execute();
}

/**
 * Leases the next runnable job (FOR UPDATE SKIP LOCKED, so replicas never take the same one).
 * Jobs that need the card (updates, thread replies) wait until it is posted; posting kinds skip
 * channels whose shared pace is booked more than `paceAheadMs` ahead.
 */
export async function leaseNextJob(
  db: Executor,
  opts: { worker: string; now: Date; leaseMs: number; paceAheadMs?: number; realNow?: Date },
): Promise<OutboxJob | undefined> {
  // `now` (the app's clock) decides when a job is due; leases and the first-attempt time are
  // wall-clock facts shared with other replicas and with Slack's message timestamps, so they use
  // real time even when a test or the demo moves the app's clock.
  const { now } = opts;
  const real = opts.realNow ?? new Date();
  const leaseUntil = new Date(real.getTime() + opts.leaseMs);
  const paceAheadMs = opts.paceAheadMs ?? 0;
  const row = await sql<SlackJobRow>`
    update slack_jobs set
      locked_until = ${leaseUntil},
      locked_by = ${opts.worker},
      attempts = attempts + 1,
      first_attempt_at = coalesce(first_attempt_at, ${real}),
      -- An attempt still marked in flight ended without an answer (a crash): it may have landed.
      delivery_unknown = delivery_unknown or in_flight,
      in_flight = true
    where id = (
      select j.id from slack_jobs j
      left join mentions m on m.id = j.mention_id
      where j.status = 'pending'
        and j.run_after <= ${now}
        and (j.locked_until is null or j.locked_until < ${real})
        and (j.kind in ('post_card', 'post_message') or m.card_ts is not null)
        and (j.kind = 'update_card' or not exists (
          select 1 from slack_channel_pace p
          where p.channel = j.channel and p.next_at > clock_timestamp() + ${paceAheadMs} * interval '1 millisecond'))
      order by j.priority, j.id
      limit 1
      for update of j skip locked
    )
    returning *`.execute(db);
  // The payload was written by enqueueJob for this kind; the row's kind says which shape it has.
  return row.rows[0] as OutboxJob | undefined;
}

type JobUpdate = UpdateQueryBuilder<DB, 'slack_jobs', 'slack_jobs', UpdateResult>;

/**
 * Only the lease holder ends or extends an attempt: a worker that outlived its lease (another
 * took the job: `attempts` moved on) or whose attempt has ended (`in_flight` cleared) changes nothing.
 */
function fenced(q: JobUpdate, lease: Lease): JobUpdate {
  return q
    .where('id', '=', lease.id)
    .where('locked_by', '=', lease.worker)
    .where('attempts', '=', lease.attempt)
    .where('status', '=', 'pending')
    .where('in_flight', '=', true);
}

/** Marks the job done; false when this worker no longer holds it. */
export async function completeJob(db: Executor, job: { kind: SlackJobKind } & Lease, result: Record<string, unknown>): Promise<boolean> {
  // A refresh that was asked for again while it was being sent runs once more.
  const r = await fenced(
    db.updateTable('slack_jobs').set(
      job.kind === 'update_card'
        ? {
            status: sql`case when rerun then 'pending' else 'done' end` as unknown as 'done',
            done_at: sql`case when rerun then null else now() end` as unknown as Date,
            rerun: false,
            locked_until: null,
            in_flight: false,
            delivery_unknown: false,
            result: JSON.stringify(result),
            last_error: null,
          }
        : { status: 'done', done_at: new Date(), locked_until: null, in_flight: false, delivery_unknown: false, result: JSON.stringify(result), last_error: null },
    ),
    job,
  ).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Schedules another attempt. `deliveryUnknown` says whether this attempt may have reached Slack
 * (then the next one looks its message up first); false only when Slack's answer proved it did not.
 */
export async function retryJob(db: Executor, lease: Lease, opts: { runAfter: Date; error: string; deliveryUnknown: boolean }): Promise<boolean> {
  const r = await fenced(
    db.updateTable('slack_jobs').set({
      run_after: opts.runAfter,
      locked_until: null,
      in_flight: false,
      delivery_unknown: opts.deliveryUnknown,
      last_error: opts.error.slice(0, 1000),
    }),
    lease,
  ).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function failJob(db: Executor, lease: Lease, error: string): Promise<boolean> {
  const r = await fenced(
    db.updateTable('slack_jobs').set({ status: 'failed', locked_until: null, in_flight: false, last_error: error.slice(0, 1000), done_at: new Date() }),
    lease,
  ).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Extends a lease while its attempt is still working; false when the lease was lost. */
export async function renewLease(db: Executor, lease: Lease, until: Date): Promise<boolean> {
  const r = await fenced(db.updateTable('slack_jobs').set({ locked_until: until }), lease).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function queueDepth(db: Executor): Promise<{ pending: number; failed: number }> {
  // Two counts that each read a partial index (pending, failed), never the done rows.
  const r = await db
    .selectNoFrom([
      sql<number>`(select count(*) from slack_jobs where status = 'pending')`.as('pending'),
      sql<number>`(select count(*) from slack_jobs where status = 'failed')`.as('failed'),
    ])
    .executeTakeFirstOrThrow();
  return { pending: Number(r.pending), failed: Number(r.failed) };
}

/**
 * How long until some pending job becomes runnable, to sleep until then: its run time (the app's
 * clock), its lease (real time), for posts the channel's shared pace less `paceAheadMs` (the
 * database's clock). Jobs waiting for their card are woken when it is posted.
 */
export async function nextRunInMs(db: Executor, opts: { now: Date; realNow?: Date; paceAheadMs?: number }): Promise<number | undefined> {
  const real = opts.realNow ?? new Date();
  const r = await sql<{ ms: number | null }>`
    select (min(greatest(
      extract(epoch from (j.run_after - ${opts.now}::timestamptz)),
      coalesce(extract(epoch from (j.locked_until - ${real}::timestamptz)), 0),
      case when j.kind = 'update_card' then 0
           else coalesce(extract(epoch from (p.next_at - ${opts.paceAheadMs ?? 0} * interval '1 millisecond' - clock_timestamp())), 0) end
    )) * 1000)::float8 as ms
    from slack_jobs j
    left join slack_channel_pace p on p.channel = j.channel
    left join mentions m on m.id = j.mention_id
    where j.status = 'pending' and (j.kind in ('post_card', 'post_message') or m.card_ts is not null)`.execute(db);
  const ms = r.rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Number(ms);
}
