import { sql } from 'kysely';
import { isOpen, OPEN_STATUSES, type Decision } from '../domain/lifecycle.js';
import type { Executor, Tx } from './database.js';
import { applyDecision } from './mentions.js';
import type { StoredPost } from './posts.js';
import { scheduleSlaChecks } from './sla.js';
import type { MentionRow, MentionUpdate, NewPost, PostVia } from './schema.js';

/** The advisory-lock class of "one author on one source" (two-key form: apart from the leader locks). */
const AUTHOR_LOCK_CLASS = 1401;

export function authorKey(source: string, handle: string): string {
  return `${source}\u0000${handle.toLowerCase()}`;
}

/**
 * Serialises ingests of the same authors until the transaction ends, so two posts of a new author
 * arriving at the same moment (one batch, two requests, two replicas) make one case: the second
 * waits here and then finds the first's open case. Taken in one fixed order (sorted keys) so two
 * batches sharing authors cannot deadlock; a hash collision only makes two authors wait for each
 * other.
 */
export async function lockAuthors(trx: Tx, authors: Array<{ source: string; handle: string }>): Promise<void> {
  if (authors.length === 0) return;
  const sorted = [...new Set(authors.map((a) => `${a.source}:${a.handle.toLowerCase()}`))].sort();
  await sql`select pg_advisory_xact_lock(${AUTHOR_LOCK_CLASS}::int, hashtext(k))
            from unnest(${sorted}::text[]) with ordinality as t(k, n) order by n`.execute(trx);
}

/**
 * Each author's open case on its source (the latest when there are several), for authors given as
 * `authorKey`s: one statement for the batch, served by mentions_open_author_idx.
 */
export async function openCasesOf(db: Executor, authors: Array<{ source: string; handle: string }>): Promise<Map<string, StoredPost>> {
  const found = new Map<string, StoredPost>();
  if (authors.length === 0) return found;
  const rows = await sql<{ id: number; source: string; handle: string; status: StoredPost['status']; closed_at: Date | null }>`
    select m.id, m.source, lower(m.author_handle) as handle, m.status, m.closed_at
    from mentions m
    join unnest(${authors.map((a) => a.source)}::text[], ${authors.map((a) => a.handle.toLowerCase())}::text[]) as a(source, handle)
      on m.source = a.source and lower(m.author_handle) = a.handle
    where m.status in (${sql.join(OPEN_STATUSES.map((s) => sql.lit(s)))})
    order by m.id desc`.execute(db);
  for (const r of rows.rows) {
    const key = authorKey(r.source, r.handle);
    if (!found.has(key)) found.set(key, { caseId: r.id, status: r.status, closedAt: r.closed_at });
  }
  return found;
}

/** The cases, locked for the rest of the transaction, in id order (one order for every locker). */
export async function lockCases(trx: Tx, ids: number[]): Promise<Map<number, MentionRow>> {
  if (ids.length === 0) return new Map();
  const rows = await trx.selectFrom('mentions').selectAll().where('id', 'in', [...new Set(ids)]).orderBy('id').forUpdate().execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export async function updateCase(trx: Tx, id: number, set: MentionUpdate): Promise<MentionRow> {
  return trx
    .updateTable('mentions')
    .set({ ...set, updated_at: sql`now()` as unknown as Date })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface BrandResponse {
  /** When the network says the reply was posted (or when earshot sent it). */
  at: Date;
  via: PostVia;
  /** The Slack user who replied through earshot; null for a reply made outside earshot. */
  responderId: string | null;
  /** The brand's post, when it has a network id (case_id is filled in here). */
  post?: Omit<NewPost, 'case_id' | 'direction' | 'via'>;
}

export type BrandResponseOutcome =
  | { kind: 'recorded'; row: MentionRow; responded: boolean }
  /** The post is stored already (earshot sent it, or it was read before): nothing changed. */
  | { kind: 'duplicate' }
  /** The case changed since `before` was read: read again and decide again. */
  | { kind: 'lost_race' };

/**
 * The brand responded in a case, wherever it was sent from: stores the brand's post, stops the
 * clock of the wait it answers (a case_responses row: the first response, or a next one), and
 * writes what the lifecycle decided (`decision`; null when the case is closed and a late reply
 * only goes on record). The only place that stops a case's clock, for Slack and outside replies.
 */
export async function recordBrandResponse(trx: Tx, before: MentionRow, decision: Decision | null, r: BrandResponse, now: Date): Promise<BrandResponseOutcome> {
  let postId: string | null = null;
  if (r.post) {
    const inserted = await trx
      .insertInto('posts')
      .values({ ...r.post, case_id: before.id, direction: 'outbound', via: r.via })
      .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { kind: 'duplicate' };
    postId = inserted.id;
  }
  const latest = before.last_brand_reply_at && before.last_brand_reply_at > r.at ? before.last_brand_reply_at : r.at;
  // A case stored without waiting_since (before conversations) waits from its post until answered.
  const waitingSince = before.waiting_since ?? (before.first_response_at === null && isOpen(before.status) ? before.posted_at : null);
  const waiting = waitingSince !== null;
  const set: MentionUpdate = {
    last_brand_reply_at: latest,
    ...(waiting
      ? {
          waiting_since: null,
          first_response_at: before.first_response_at ?? r.at,
          first_response_by: before.first_response_at ? before.first_response_by : r.responderId,
        }
      : {}),
  };
  const row = decision?.ok ? await applyDecision(trx, before, decision, set, now) : await updateCase(trx, before.id, set);
  if (!row) return { kind: 'lost_race' };
  if (waitingSince) {
    // The clock stopped: the SLA sweep drops the reminders and schedules the follow-up.
    await scheduleSlaChecks(trx, [{ mentionId: before.id, at: now }]);
    await trx
      .insertInto('case_responses')
      .values({
        case_id: before.id,
        kind: before.first_response_at ? 'next' : 'first',
        waiting_since: waitingSince,
        due_at: before.sla_due_at,
        responded_at: r.at,
        via: r.via,
        responder_id: r.responderId,
        post_id: postId,
      })
      .execute();
  }
  return { kind: 'recorded', row, responded: waiting };
}

/** What the customer's new posts made of one case (decided by domain/cases.ts afterFollowUps). */
export interface FollowUpWrite {
  id: number;
  status: MentionRow['status'];
  customerPosts: number;
  lastCustomerPostAt: Date;
  lastCustomerText: string;
  newWait: { since: Date; warnAt: Date; dueAt: Date } | null;
  reopened: boolean;
}

/**
 * Writes the follow-ups of many cases in one statement: a batch's posts join many cases at once,
 * and a statement per case was most of its time. A new wait resets the SLA bookkeeping (the sweep
 * looks again at its warning; the mention rows first, then their `sla_checks`, as every writer of
 * both); a reopened case is no longer closed.
 */
export async function writeFollowUps(trx: Tx, rows: FollowUpWrite[]): Promise<void> {
  if (rows.length === 0) return;
  const wait = <T>(f: (w: NonNullable<FollowUpWrite['newWait']>) => T) => rows.map((r) => (r.newWait ? f(r.newWait) : null));
  await sql`
    with v as (
      select * from unnest(
        ${rows.map((r) => r.id)}::int[],
        ${rows.map((r) => r.status)}::text[],
        ${rows.map((r) => r.customerPosts)}::int[],
        ${rows.map((r) => r.lastCustomerPostAt)}::timestamptz[],
        ${rows.map((r) => r.lastCustomerText)}::text[],
        ${rows.map((r) => r.newWait !== null)}::boolean[],
        ${wait((w) => w.since)}::timestamptz[],
        ${wait((w) => w.warnAt)}::timestamptz[],
        ${wait((w) => w.dueAt)}::timestamptz[],
        ${rows.map((r) => r.reopened)}::boolean[]
      ) as v(id, status, customer_posts, last_post_at, last_text, new_wait, wait_since, warn_at, due_at, reopened)
    ), cases as (
      update mentions m set
        status = v.status,
        customer_posts = v.customer_posts,
        last_customer_post_at = v.last_post_at,
        last_customer_text = v.last_text,
        waiting_since = case when v.new_wait then v.wait_since else m.waiting_since end,
        sla_warn_at = case when v.new_wait then v.warn_at else m.sla_warn_at end,
        sla_due_at = case when v.new_wait then v.due_at else m.sla_due_at end,
        closed_at = case when v.reopened then null else m.closed_at end,
        closed_by = case when v.reopened then null else m.closed_by end,
        close_kind = case when v.reopened then null else m.close_kind end,
        close_reason = case when v.reopened then null else m.close_reason end,
        reopened_count = m.reopened_count + case when v.reopened then 1 else 0 end,
        updated_at = now()
      from v
      where m.id = v.id
      returning m.id
    )
    insert into sla_checks (mention_id, next_check_at, stage)
    select v.id, v.warn_at, 0 from v join cases on cases.id = v.id where v.new_wait order by v.id
    on conflict (mention_id) do update set next_check_at = excluded.next_check_at, stage = 0`.execute(trx);
}
