// Over 300 lines: a batch's one path (new cases, follow-ups, brand replies) shares the batch's
// lookups and slots, and reads best in one place; its pure rules are in domain/cases.ts.
import { authorKey, lockAuthors, lockCases, openCasesOf, recordBrandResponse, writeFollowUps, type FollowUpWrite } from '../db/cases.js';
import type { Db, Tx } from '../db/database.js';
import { addEvent, addEvents, insertMentions, knownAuthors, type NewEvent } from '../db/mentions.js';
import { insertPosts, lookupPosts, postKey, type PostKey, type StoredPost } from '../db/posts.js';
import { keepWaiting, takeWaitingFor } from '../db/waiting-brand-posts.js';
import type { NewMention, NewPost } from '../db/schema.js';
import { scheduleSlaChecks } from '../db/sla.js';
import { enqueueCardUpdates, enqueueJobs, JOB_PRIORITY, type NewJob } from '../db/slack-jobs.js';
import { afterFollowUps, joinCase, type CaseRef } from '../domain/cases.js';
import { decide, factsOf } from '../domain/lifecycle.js';
import type { IncomingMention } from '../domain/mention.js';
import { scorePriority, type PriorityRules } from '../domain/priority.js';
import { analyzeSentiment } from '../domain/sentiment.js';
import { slaDeadlines, type SlaPolicy } from '../domain/sla.js';
import type { ThreadLine } from '../domain/thread-lines.js';

export interface IngestDeps {
  db: Db;
  triageChannel: string;
  slaPolicy: SlaPolicy;
  priorityRules?: PriorityRules;
  /** CASE_REOPEN_DAYS (default 7). */
  reopenDays?: number;
  now?: () => Date;
  /** Called after a commit that added cases or changed them, to wake the card queue. */
  onStored?: (ids: number[]) => void;
}

export interface IngestResult {
  /** Posts stored (the customer's and the brand's). */
  accepted: number;
  duplicates: number;
  /** The new cases (each gets a card). */
  ids: number[];
  /** Customer posts that joined an existing case (no card of their own). */
  joined: number;
  /** Cases reopened by a reply. */
  reopened: number;
  /** The brand's posts recorded as its reply in a case, made outside earshot. */
  outsideReplies: number;
  /** The brand's posts that answer nothing earshot knows: skipped. */
  outboundUnmatched: number;
  /** Stored and duplicate counts per source, for metrics. */
  bySource: Record<string, SourceCounts>;
}

type Tallied = 'joined' | 'reopened' | 'outsideReplies' | 'outboundUnmatched';

/** One source's share of a batch (the metrics are per source). */
export type SourceCounts = { accepted: number; duplicates: number } & Partial<Record<Tallied, number>>;

function tally(result: IngestResult, source: string, key: Tallied): void {
  result[key]++;
  const s = (result.bySource[source] ??= { accepted: 0, duplicates: 0 });
  s[key] = (s[key] ?? 0) + 1;
}

/** A case of the batch: one already stored (id > 0) or one this batch starts (id < 0 until inserted). */
type Slot = CaseRef & { previous?: { id: number; cardChannel: string | null; cardTs: string | null } };

/**
 * Stores a batch of posts in one transaction: every post becomes a row of `posts` in its case; a
 * customer post that joins no case starts one (a mentions row and its card job), one that joins a
 * case goes into its thread and may set the clock again; a brand post stops the clock of the case
 * it answers. Posts already stored (by source and external id) are duplicates and change nothing.
 * Either all of it is stored, or nothing is.
 */
export async function ingestMentions(deps: IngestDeps, items: IncomingMention[]): Promise<IngestResult> {
  const result: IngestResult = { accepted: 0, duplicates: 0, ids: [], joined: 0, reopened: 0, outsideReplies: 0, outboundUnmatched: 0, bySource: {} };
  if (items.length === 0) return result;
  const accepted: IncomingMention[] = [];
  const unmatched: IncomingMention[] = [];
  const changed = await deps.db.transaction().execute((trx) => ingestBatch(trx, deps, items, result, accepted, unmatched));
  for (const i of items) (result.bySource[i.source] ??= { accepted: 0, duplicates: 0 }).duplicates++;
  for (const a of accepted) {
    const s = result.bySource[a.source]!;
    s.accepted++;
    s.duplicates--;
  }
  for (const u of unmatched) result.bySource[u.source]!.duplicates--;
  result.accepted = accepted.length;
  result.duplicates = items.length - accepted.length - result.outboundUnmatched;
  if (changed.length > 0) deps.onStored?.(changed);
  return result;
}

async function ingestBatch(trx: Tx, deps: IngestDeps, items: IncomingMention[], result: IngestResult, accepted: IncomingMention[], unmatched: IncomingMention[]): Promise<number[]> {
  const now = deps.now?.() ?? new Date();
  const inbound = items.filter((i) => i.direction !== 'outbound');
  const outbound = items.filter((i) => i.direction === 'outbound');
  await lockAuthors(trx, inbound.map((i) => ({ source: i.source, handle: i.author.handle })));
  // After the locks: a concurrent ingest of the same authors has committed, and is seen here.
  const keys: PostKey[] = items.flatMap((i) => [{ source: i.source, externalId: i.externalId }, ...(i.inReplyTo ? [{ source: i.source, externalId: i.inReplyTo }] : [])]);
  const stored = await lookupPosts(trx, keys);
  const open = await openCasesOf(trx, inbound.map((i) => ({ source: i.source, handle: i.author.handle })));

  // Decide each customer post's case in order, as if the batch's earlier posts were stored already.
  const slots = new Map<number, Slot>();
  const slotOf = (p: StoredPost): Slot => slots.get(p.caseId) ?? slots.set(p.caseId, { id: p.caseId, status: p.status, closedAt: p.closedAt }).get(p.caseId)!;
  const cardOf = new Map([...stored.values()].map((p) => [p.caseId, { cardChannel: p.cardChannel ?? null, cardTs: p.cardTs ?? null }]));
  const postSlot = new Map<string, Slot>();
  const authorSlot = new Map<string, Slot>();
  const starts: Array<{ item: IncomingMention; slot: Slot }> = [];
  const followUps = new Map<Slot, IncomingMention[]>();
  let nextTemp = -1;
  for (const item of inbound) {
    const key = postKey(item.source, item.externalId);
    if (stored.has(key) || postSlot.has(key)) continue;
    const parentKey = item.inReplyTo ? postKey(item.source, item.inReplyTo) : undefined;
    const parent = parentKey ? (postSlot.get(parentKey) ?? (stored.has(parentKey) ? slotOf(stored.get(parentKey)!) : undefined)) : undefined;
    const aKey = authorKey(item.source, item.author.handle);
    const mine = authorSlot.get(aKey) ?? (open.has(aKey) ? slotOf(open.get(aKey)!) : undefined);
    const decision = joinCase(item, parent, mine && mine.status !== 'resolved' && mine.status !== 'closed_no_reply' ? mine : undefined, deps.reopenDays ?? 7);
    let slot: Slot;
    if (decision.kind === 'new' || decision.kind === 'new_linked') {
      slot = { id: nextTemp--, status: 'new', closedAt: null, ...(decision.kind === 'new_linked' ? { previous: { id: decision.previousCaseId, cardChannel: null, cardTs: null, ...cardOf.get(decision.previousCaseId) } } : {}) };
      starts.push({ item, slot });
    } else {
      slot = slots.get(decision.caseId) ?? (parent?.id === decision.caseId ? parent : mine!);
      if (decision.kind === 'reopen') slot.status = 'new';
      const list = followUps.get(slot) ?? [];
      list.push(item);
      followUps.set(slot, list);
      tally(result, item.source, 'joined');
    }
    postSlot.set(key, slot);
    authorSlot.set(aKey, slot);
    accepted.push(item);
  }

  const changed = await startCases(trx, deps, starts, result);
  const postRows: NewPost[] = [];
  for (const { item, slot } of starts) postRows.push(postRow(item, slot.id));
  for (const [slot, list] of followUps) for (const item of list) postRows.push(postRow(item, slot.id));
  // A slot still without an id: its first post was stored meanwhile after all (not possible under the author lock).
  const newPosts = await insertPosts(trx, postRows.filter((r) => r.case_id > 0));
  changed.push(...(await applyFollowUps(trx, deps, followUps, result)));
  changed.push(...(await applyBrandPosts(trx, deps, outbound, stored, postSlot, result, accepted, unmatched, now)));
  // Brand posts that came before the posts they answer, which this batch stored: recorded now. They
  // were counted when they came, so they add nothing to this batch's accepted and unmatched.
  const arrived = await takeWaitingFor(trx, newPosts.map((p) => ({ source: p.source, externalId: p.external_id })));
  const stillWaiting: IncomingMention[] = [];
  changed.push(...(await applyBrandPosts(trx, deps, arrived, stored, postSlot, result, [], stillWaiting, now, { tallyUnmatched: false })));
  // A brand post answering a post not stored (yet) waits for it rather than being dropped: the
  // brand may answer on the network before earshot has read the customer's post.
  await keepWaiting(trx, [...unmatched, ...stillWaiting]);
  return [...new Set(changed)];
}

/** Inserts the batch's new cases and queues their cards; fills in each slot's id. */
async function startCases(trx: Tx, deps: IngestDeps, starts: Array<{ item: IncomingMention; slot: Slot }>, result: IngestResult): Promise<number[]> {
  if (starts.length === 0) return [];
  const seenBefore = new Map<string, Set<string>>();
  for (const source of new Set(starts.map((s) => s.item.source))) {
    const handles = starts.filter((s) => s.item.source === source).map((s) => s.item.author.handle);
    seenBefore.set(source, await knownAuthors(trx, source, handles));
  }
  const firstInBatch = new Set<string>();
  const rows: NewMention[] = starts.map(({ item, slot }) => {
    const key = authorKey(item.source, item.author.handle);
    const firstContact = !seenBefore.get(item.source)?.has(item.author.handle.toLowerCase()) && !firstInBatch.has(key);
    firstInBatch.add(key);
    return {
      ...toRow(item, firstContact, deps),
      previous_case_id: slot.previous?.id ?? null,
      previous_card_channel: slot.previous?.cardChannel ?? null,
      previous_card_ts: slot.previous?.cardTs ?? null,
    };
  });
  // Under the author locks and after the posts lookup, no other ingest can hold these posts.
  const inserted = await insertMentions(trx, rows);
  const idOf = new Map(inserted.map((r) => [postKey(r.source, r.external_id), r.id]));
  for (const { item, slot } of starts) slot.id = idOf.get(postKey(item.source, item.externalId)) ?? slot.id;
  const ids = inserted.map((r) => r.id);
  result.ids.push(...ids);
  // The SLA sweep's first look: at the warning (or at once, for a mention that arrives late).
  await scheduleSlaChecks(trx, inserted.map((r) => ({ mentionId: r.id, at: r.sla_warn_at })));
  // One statement for the batch's cards: a round trip per card was most of a batch's time.
  await enqueueJobs(
    trx,
    ids.map((id) => ({ kind: 'post_card', channel: deps.triageChannel, mentionId: id, dedupeKey: `card:${id}`, priority: JOB_PRIORITY.card })),
  );
  return ids;
}

/** The customer wrote again in cases: counts, the clock, a thread line per post, a card refresh; a few statements per batch. */
async function applyFollowUps(trx: Tx, deps: IngestDeps, followUps: Map<Slot, IncomingMention[]>, result: IngestResult): Promise<number[]> {
  if (followUps.size === 0) return [];
  const rows = await lockCases(trx, [...followUps.keys()].map((s) => s.id));
  const writes: FollowUpWrite[] = [];
  const events: NewEvent[] = [];
  const jobs: NewJob[] = [];
  const cards: Array<{ mentionId: number; channel: string }> = [];
  for (const [slot, list] of followUps) {
    const before = rows.get(slot.id);
    if (!before) continue;
    const next = afterFollowUps(
      {
        status: before.status,
        ownerId: before.owner_id,
        priority: before.priority,
        waitingSince: before.waiting_since,
        firstResponseAt: before.first_response_at,
        customerPosts: before.customer_posts,
        lastCustomerPostAt: before.last_customer_post_at,
      },
      list.map((i) => i.postedAt),
      deps.slaPolicy,
    );
    writes.push({ id: before.id, status: next.status, customerPosts: next.customerPosts, lastCustomerPostAt: next.lastCustomerPostAt, lastCustomerText: latestOf(list, before).text, newWait: next.newWait, reopened: next.reopened });
    if (next.reopened) {
      tally(result, before.source, 'reopened');
      events.push({ mentionId: before.id, kind: 'reopened', actorId: null, fromStatus: before.status, toStatus: next.status, details: { closedAt: before.closed_at } });
    }
    if (next.newWait) {
      events.push({
        mentionId: before.id,
        kind: 'customer_wrote_again',
        actorId: null,
        fromStatus: next.reopened ? next.status : before.status,
        toStatus: next.status,
        details: { waitingSince: next.newWait.since, dueAt: next.newWait.dueAt, posts: list.map((i) => i.externalId) },
      });
    }
    const channel = before.card_channel ?? deps.triageChannel;
    // Card priority: after the card itself when the case was started by this very batch.
    for (const item of list) jobs.push({ kind: 'thread_reply', channel, mentionId: before.id, priority: JOB_PRIORITY.card, payload: { line: customerPostLine(item) } });
    cards.push({ mentionId: before.id, channel });
  }
  await writeFollowUps(trx, writes);
  await addEvents(trx, events);
  await enqueueJobs(trx, jobs);
  await enqueueCardUpdates(trx, cards);
  return cards.map((c) => c.mentionId);
}

/** The brand's own posts: each one answering a post of a case is its reply there, made outside earshot. */
async function applyBrandPosts(
  trx: Tx,
  deps: IngestDeps,
  outbound: IncomingMention[],
  stored: Map<string, StoredPost>,
  postSlot: Map<string, Slot>,
  result: IngestResult,
  accepted: IncomingMention[],
  unmatched: IncomingMention[],
  now: Date,
  o: { tallyUnmatched: boolean } = { tallyUnmatched: true },
): Promise<number[]> {
  const matched: Array<{ item: IncomingMention; caseId: number }> = [];
  const seen = new Set<string>();
  for (const item of outbound) {
    const key = postKey(item.source, item.externalId);
    if (stored.has(key) || seen.has(key)) continue;
    seen.add(key);
    const parentKey = item.inReplyTo ? postKey(item.source, item.inReplyTo) : undefined;
    const caseId = parentKey ? (postSlot.get(parentKey)?.id ?? stored.get(parentKey)?.caseId) : undefined;
    if (caseId === undefined) {
      if (o.tallyUnmatched) tally(result, item.source, 'outboundUnmatched');
      unmatched.push(item);
      continue;
    }
    matched.push({ item, caseId });
  }
  if (matched.length === 0) return [];
  const rows = await lockCases(trx, matched.map((m) => m.caseId));
  const changed: number[] = [];
  const jobs: NewJob[] = [];
  matched.sort((a, b) => a.item.postedAt.getTime() - b.item.postedAt.getTime());
  for (const { item, caseId } of matched) {
    const before = rows.get(caseId);
    if (!before) continue;
    const decision = decide(factsOf(before), { action: 'reply', actor: null });
    const outcome = await recordBrandResponse(trx, before, decision.ok ? decision : null, { at: item.postedAt, via: 'outside', responderId: null, post: brandPost(item) }, now);
    if (outcome.kind !== 'recorded') continue;
    rows.set(caseId, outcome.row);
    accepted.push(item);
    tally(result, item.source, 'outsideReplies');
    await addEvent(trx, {
      mentionId: caseId,
      kind: 'replied',
      actorId: null,
      fromStatus: before.status,
      toStatus: outcome.row.status,
      details: { via: 'outside', source: item.source, externalId: item.externalId, url: item.url ?? null, postedAt: item.postedAt },
    });
    const channel = before.card_channel ?? deps.triageChannel;
    jobs.push({ kind: 'thread_reply', channel, mentionId: caseId, priority: JOB_PRIORITY.card, payload: { line: brandReplyLine(item) } });
    changed.push(caseId);
  }
  await enqueueJobs(trx, jobs);
  await enqueueCardUpdates(trx, [...new Set(changed)].map((id) => ({ mentionId: id, channel: rows.get(id)?.card_channel ?? deps.triageChannel })));
  return changed;
}

/** The customer wrote again: who, when, what, and a link to the post (rendered when it is sent). */
function customerPostLine(item: IncomingMention): ThreadLine {
  return { kind: 'customer_post', at: item.postedAt.toISOString(), author: { handle: item.author.handle, name: item.author.name ?? null }, url: item.url ?? null, text: item.text };
}

/** The brand replied on the network directly: recorded as its reply, made outside earshot. */
function brandReplyLine(item: IncomingMention): ThreadLine {
  return { kind: 'brand_reply', at: item.postedAt.toISOString(), source: item.source, url: item.url ?? null, text: item.text };
}

/** The latest of the new posts, unless the case already holds a later one (posts may arrive out of order). */
function latestOf(list: IncomingMention[], before: { last_customer_post_at: Date | null; last_customer_text: string | null; text: string }): { text: string } {
  const latest = list.reduce((a, b) => (b.postedAt.getTime() >= a.postedAt.getTime() ? b : a));
  if (before.last_customer_post_at && before.last_customer_post_at.getTime() > latest.postedAt.getTime()) return { text: before.last_customer_text ?? before.text };
  return latest;
}

function postRow(m: IncomingMention, caseId: number): NewPost {
  return {
    case_id: caseId,
    source: m.source,
    external_id: m.externalId,
    direction: 'inbound',
    in_reply_to: m.inReplyTo ?? null,
    conversation_id: m.conversationId ?? null,
    url: m.url ?? null,
    text: m.text,
    author_external_id: m.author.id ?? null,
    author_handle: m.author.handle,
    author_name: m.author.name ?? null,
    posted_at: m.postedAt,
    raw: m.raw === undefined ? null : JSON.stringify(m.raw),
  };
}

function brandPost(m: IncomingMention): Omit<NewPost, 'case_id' | 'direction' | 'via'> {
  const { case_id: _, direction: _d, ...rest } = postRow(m, 0);
  return rest;
}

function toRow(m: IncomingMention, firstContact: boolean, deps: IngestDeps): NewMention {
  const sentiment = analyzeSentiment(m.text);
  const { priority, reasons } = scorePriority(
    { followers: m.author.followers ?? null, firstContact, sentiment },
    deps.priorityRules,
  );
  const { warnAt, dueAt } = slaDeadlines(m.postedAt, priority, deps.slaPolicy);
  return {
    source: m.source,
    external_id: m.externalId,
    url: m.url ?? null,
    text: m.text,
    author_external_id: m.author.id ?? null,
    author_handle: m.author.handle,
    author_name: m.author.name ?? null,
    author_followers: m.author.followers ?? null,
    posted_at: m.postedAt,
    lang: m.lang ?? null,
    conversation_id: m.conversationId ?? null,
    sentiment_score: sentiment.score,
    sentiment_label: sentiment.label,
    priority,
    priority_reasons: JSON.stringify(reasons),
    first_contact: firstContact,
    sla_warn_at: warnAt,
    sla_due_at: dueAt,
    last_customer_post_at: m.postedAt,
    waiting_since: m.postedAt,
    raw: m.raw === undefined ? null : JSON.stringify(m.raw),
  };
}

