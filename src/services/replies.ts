import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { firstPostOf, latestCustomerPost } from '../db/conversation.js';
import { getMention } from '../db/mentions.js';
import { createSavedReply, insertReply, markReplyFailed } from '../db/replies.js';
import type { MentionRow } from '../db/schema.js';
import { isOpen } from '../domain/lifecycle.js';
import { EarshotError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { recordedElsewhere, type ReplyMode, type ReplyOut, type ReplyTarget } from './reply-out.js';
import type { Triage } from './triage.js';

export interface RepliesDeps {
  db: Db;
  triage: Triage;
  clock: Clock;
  /** Tried in order; the first that handles the mention sends. The fallback records elsewhere. */
  senders: ReplyOut[];
  metrics?: Metrics;
}

export type ReplyResult = { ok: true; mention: MentionRow; replyId: number } | { ok: false; reason: string; replyId: number; retryable: boolean };

export class Replies {
  constructor(private readonly deps: RepliesDeps) {}

  senderFor(m: MentionRow): ReplyOut {
    return this.deps.senders.find((s) => s.handles(m)) ?? recordedElsewhere;
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
   * (status failed, with its text) and the mention stays unanswered.
   */
  async send(
    mentionId: number,
    userId: string,
    input: { text: string; mode: ReplyMode; link?: string | null; saveAs?: string | null },
  ): Promise<ReplyResult> {
    const { db, metrics } = this.deps;
    const m = await getMention(db, mentionId);
    if (!m) throw new EarshotError('not_found', 'That mention no longer exists in earshot.');
    if (!isOpen(m.status)) throw new EarshotError('closed', 'This mention is already closed; reopen is not supported, so the reply was not sent.');
    const sender = this.senderFor(m);
    const replyId = await insertReply(db, { mentionId, userId, text: input.text, mode: input.mode, destination: sender.destination });
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
    const after = await this.deps.triage.recordReplySent(mentionId, userId, {
      id: replyId,
      text: input.text,
      mode: input.mode,
      destination: sender.destination,
      url: outcome.url ?? null,
      externalId: outcome.externalId ?? null,
      // A public reply answers the post it went under; a direct message answers no post.
      inReplyTo: input.mode === 'public' ? target.externalId : null,
    });
    metrics?.replies.inc({ destination: sender.destination, mode: input.mode, outcome: 'sent' });
    if (!m.first_response_at && after.first_response_at) {
      metrics?.firstResponseSeconds.observe((after.first_response_at.getTime() - after.posted_at.getTime()) / 1000);
    }
    return { ok: true, mention: after, replyId };
  }
}

/** Fills `{name}` in a saved reply with the customer's name (or handle). */
export function fillTemplate(body: string, m: Pick<MentionRow, 'author_name' | 'author_handle'>): string {
  const first = m.author_name?.trim().split(/\s+/)[0];
  return body.replace(/\{name\}/g, first || `@${m.author_handle}`);
}
