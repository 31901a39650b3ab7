import { sql } from 'kysely';
import type { Executor } from './database.js';
import type { SlackJobKind, SlackJobRow } from './schema.js';

/** Lower runs first: what a person just did beats the backlog of new cards. */
export const JOB_PRIORITY = { interactive: 0, reminder: 2, card: 5 } as const;

export interface NewJob {
  kind: SlackJobKind;
  channel: string;
  mentionId?: number | null;
  dedupeKey?: string | null;
  payload?: Record<string, unknown>;
  priority?: number;
  runAfter?: Date;
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
 * channels that are being paced.
 */
export async function leaseNextJob(
  db: Executor,
  opts: { worker: string; now: Date; leaseMs: number; pacedChannels: string[]; realNow?: Date },
): Promise<SlackJobRow | undefined> {
  // `now` (the app's clock) decides when a job is due; leases and the first-attempt time are
  // wall-clock facts shared with other replicas and with Slack's message timestamps, so they use
  // real time even when a test or the demo moves the app's clock.
  const { now } = opts;
  const real = opts.realNow ?? new Date();
  const leaseUntil = new Date(real.getTime() + opts.leaseMs);
  const paced = opts.pacedChannels.length > 0 ? opts.pacedChannels : ['-'];
  const row = await sql<SlackJobRow>`
    update slack_jobs set
      locked_until = ${leaseUntil},
      locked_by = ${opts.worker},
      attempts = attempts + 1,
      first_attempt_at = coalesce(first_attempt_at, ${real})
    where id = (
      select j.id from slack_jobs j
      left join mentions m on m.id = j.mention_id
      where j.status = 'pending'
        and j.run_after <= ${now}
        and (j.locked_until is null or j.locked_until < ${real})
        and (j.kind in ('post_card', 'post_message') or m.card_ts is not null)
        and (j.kind = 'update_card' or j.channel <> all(${paced}::text[]))
      order by j.priority, j.id
      limit 1
      for update of j skip locked
    )
    returning *`.execute(db);
  return row.rows[0];
}

export async function completeJob(db: Executor, job: SlackJobRow, result: Record<string, unknown>): Promise<void> {
  // A refresh that was asked for again while it was being sent runs once more.
  await db
    .updateTable('slack_jobs')
    .set(
      job.kind === 'update_card'
        ? {
            status: sql`case when rerun then 'pending' else 'done' end` as unknown as 'done',
            done_at: sql`case when rerun then null else now() end` as unknown as Date,
            rerun: false,
            locked_until: null,
            result: JSON.stringify(result),
            last_error: null,
          }
        : { status: 'done', done_at: new Date(), locked_until: null, result: JSON.stringify(result), last_error: null },
    )
    .where('id', '=', job.id)
    .execute();
}

export async function retryJob(db: Executor, id: string, runAfter: Date, error: string): Promise<void> {
  await db
    .updateTable('slack_jobs')
    .set({ run_after: runAfter, locked_until: null, last_error: error.slice(0, 1000) })
    .where('id', '=', id)
    .execute();
}

export async function failJob(db: Executor, id: string, error: string): Promise<void> {
  await db
    .updateTable('slack_jobs')
    .set({ status: 'failed', locked_until: null, last_error: error.slice(0, 1000), done_at: new Date() })
    .where('id', '=', id)
    .execute();
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

/** The earliest time a pending job becomes runnable, to sleep until then. */
export async function nextRunAt(db: Executor): Promise<Date | undefined> {
  const r = await db
    .selectFrom('slack_jobs')
    .select(sql<Date>`min(greatest(run_after, coalesce(locked_until, run_after)))`.as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return r?.at ? new Date(r.at) : undefined;
}
