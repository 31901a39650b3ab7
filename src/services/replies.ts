import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { firstPostOf, latestCustomerPost } from '../db/conversation.js';
import { getMention } from '../db/mentions.js';
import { claimReply, createSavedReply, findReplyByKey, latestReplySince, markReplyFailed } from '../db/replies.js';
import type { MentionRow, ReplyRow } from '../db/schema.js';
import { isOpen } from '../domain/lifecycle.js';
import { EarshotError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { recordPosted, type PostedRecord } from './reply-record.js';
import { recordedElsewhere, type ReplyMode, type ReplyOut, type ReplyTarget } from './reply-out.js';
import type { Triage } from './triage.js';

export interface RepliesDeps {
  db: Db;
  triage: Triage;
  clock: Clock;
  /** Tried in order; the first that handles the mention sends. The fallback records elsewhere. */
  senders: ReplyOut[];
  metrics?: Metrics;
  logger?: Logger;
}

/** Someone else's reply that went out (or is going out) after the person opened the Reply modal. */
export interface ReplyConflict {
  replyId: number;
  userId: string;
  text: string;
  url: string | null;
  sending: boolean;
}

export type ReplyResult =
  | {
      ok: true;
      mention: MentionRow | undefined;
      replyId: number;
      url: string | null;
      /** How the sent reply was stored; `repeat` when this submission had already been sent. */
      record: PostedRecord | 'repeat';
    }
  | { ok: false; reason: string; replyId: number; retryable: boolean; conflict?: ReplyConflict; inFlight?: boolean };

export interface ReplyInput {
  text: string;
  mode: ReplyMode;
  link?: string | null;
  saveAs?: string | null;
  /** One reply per key: a repeated submission returns the first one's outcome and posts nothing. */
  idempotencyKey?: string | null;
  /**
   * The newest reply the person had seen when they wrote this one; a reply by anyone since then
   * holds this one back (returned as a conflict). Unset: send regardless (a deliberate "send anyway").
   */
  seenReplyId?: number | null;
}

export class Replies {
  constructor(private readonly deps: RepliesDeps) {}

  senderFor(m: MentionRow): ReplyOut {
    return this.deps.senders.find((s) => s.handles(m)) ?? recordedElsewhere;
  }

  /** A reply by anyone newer than `seenReplyId`: checked before the modal closes, so it can offer "send anyway". */
  async conflictSince(mentionId: number, seenReplyId: number): Promise<ReplyConflict | undefined> {
    const other = await latestReplySince(this.deps.db, mentionId, seenReplyId);
    return other ? conflictOf(other) : undefined;
  }

  /**
   * The post a reply from the card answers: the customer's latest post of the case, so a
   * follow-up is answered where the customer wrote it.
   */
  async targetFor(m: MentionRow): Promise<ReplyTarget> {
    const p = (await latestCustomerPost(this.deps.db, m.id)) ?? firstPostOf(m);
    return { externalId: p.external_id, authorExternalId: p.author_external_id, authorHandle: p.author_handle ?? m.author_handle, url: p.url, raw: p.raw };
  }

  /**
   * Sends a reply through the port and, once it is out, stops the clock. A refused reply is kept
   * (status failed, with its text) and the mention stays unanswered. Once the network has it, the
   * reply is recorded whatever happens next (see recordPosted).
   */
  async send(mentionId: number, userId: string, input: ReplyInput): Promise<ReplyResult> {
    const { db, metrics } = this.deps;
    const m = await getMention(db, mentionId);
    if (!m) throw new EarshotError('not_found', 'That mention no longer exists in earshot.');
    if (!isOpen(m.status)) {
      const same = input.idempotencyKey ? await findReplyByKey(db, input.idempotencyKey) : undefined;
      if (same) return repeatOf(same);
      throw new EarshotError('closed', 'This mention is already closed; reopen is not supported, so the reply was not sent.');
    }
    const sender = this.senderFor(m);
    const claim = await claimReply(db, {
      mentionId,
      userId,
      text: input.text,
      mode: input.mode,
      destination: sender.destination,
      idempotencyKey: input.idempotencyKey ?? null,
      after: input.seenReplyId ?? null,
    });
    if (claim.kind === 'existing') return repeatOf(claim.reply);
    if (claim.kind === 'conflict') {
      const c = conflictOf(claim.reply);
      return { ok: false, reason: `<@${c.userId}> ${c.sending ? 'is replying' : 'already replied'} to this mention`, replyId: claim.heldId, retryable: false, conflict: c };
    }
    const replyId = claim.id;
    if (input.saveAs) await createSavedReply(db, { title: input.saveAs, body: input.text, createdBy: userId });
    const target = await this.targetFor(m);
    let outcome;
    try {
      outcome = await sender.send(m, target, { text: input.text, mode: input.mode, link: input.link ?? null });
    } catch (err) {
      outcome = { ok: false as const, reason: (err as Error).message, retryable: true };
    }
    if (!outcome.ok) {
      await markReplyFailed(db, replyId, outcome.reason);
      metrics?.replies.inc({ destination: sender.destination, mode: input.mode, outcome: 'failed' });
      return { ok: false, reason: outcome.reason, replyId, retryable: outcome.retryable };
    }
    const url = outcome.url ?? null;
    const { record, mention: after } = await recordPosted(this.deps, mentionId, {
      replyId,
      userId,
      text: input.text,
      mode: input.mode,
      destination: sender.destination,
      externalId: outcome.externalId ?? null,
      // A public reply answers the post it went under; a direct message answers no post.
      inReplyTo: input.mode === 'public' ? target.externalId : null,
      url,
    });
    metrics?.replies.inc({ destination: sender.destination, mode: input.mode, outcome: 'sent' });
    if (after && !m.first_response_at && after.first_response_at) {
      metrics?.firstResponseSeconds.observe((after.first_response_at.getTime() - after.posted_at.getTime()) / 1000);
    }
    return { ok: true, mention: after, replyId, url, record };
  }
}

function conflictOf(r: ReplyRow): ReplyConflict {
  return { replyId: r.id, userId: r.slack_user_id, text: r.text, url: r.external_url, sending: r.status === 'sending' };
}

/** The outcome of a submission that was already handled, as it stands now. */
function repeatOf(r: ReplyRow): ReplyResult {
  if (r.status === 'sent') return { ok: true, mention: undefined, replyId: r.id, url: r.external_url, record: 'repeat' };
  if (r.status === 'sending') return { ok: false, reason: 'This reply is already being sent', replyId: r.id, retryable: false, inFlight: true };
  return { ok: false, reason: r.error ?? 'it was refused', replyId: r.id, retryable: true };
}

/** Fills `{name}` in a saved reply with the customer's name (or handle). */
export function fillTemplate(body: string, m: Pick<MentionRow, 'author_name' | 'author_handle'>): string {
  const first = m.author_name?.trim().split(/\s+/)[0];
  return body.replace(/\{name\}/g, first || `@${m.author_handle}`);
}
