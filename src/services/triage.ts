import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db, Tx } from '../db/database.js';
import { addEvent, applyTransition, getMention, latestEvent } from '../db/mentions.js';
import type { MentionRow, MentionUpdate } from '../db/schema.js';
import { enqueueCardUpdate, enqueueJob, JOB_PRIORITY } from '../db/slack-jobs.js';
import { nextStatus, type Action, type CloseKind } from '../domain/lifecycle.js';
import { ago, displayHandle, escapeAndTruncate, quote, safeLink } from '../domain/mrkdwn.js';
import { EarshotError } from '../errors.js';
import { threadLine } from '../slack/blocks/thread-lines.js';

export interface TriageDeps {
  db: Db;
  clock: Clock;
  triageChannel: string;
  escalationChannel: string;
  leadsGroup?: string;
  /** Wakes the card queue after a commit. */
  onQueued?: () => void;
  /** Told after each committed change (the App Home refreshes its views). */
  onChanged?: (mention: MentionRow) => void;
}

export type EscalationCategory = 'isolated' | 'policy' | 'procedural';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface EscalationInput {
  reason: string;
  severity: Severity;
  category: EscalationCategory;
}

interface ChangeSpec {
  action: Action;
  actor: string;
  set: MentionUpdate;
  extra?: Parameters<typeof applyTransition>[4];
  eventKind: string;
  details?: Record<string, unknown>;
  /** The short line for the card's thread; undefined for none. */
  thread?: (after: MentionRow) => string | undefined;
  /** Further Slack writes that belong to the same change. */
  alsoQueue?: (trx: Tx, after: MentionRow) => Promise<void>;
}

/**
 * The triage rules at the edge of storage. Every change is one conditional UPDATE, an audit row,
 * a card refresh and a thread line, in one transaction; a change that lost a race becomes an
 * EarshotError that says who got there first.
 */
export class Triage {
  constructor(private readonly deps: TriageDeps) {}

  claim(mentionId: number, userId: string): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      action: 'claim',
      actor: userId,
      set: { owner_id: userId, claimed_at: now, status: sql`case when status = 'new' then 'claimed' else status end` as never },
      extra: { ownerIs: null },
      eventKind: 'claimed',
      thread: () => threadLine(':raising_hand:', `<@${userId}> claimed this`, now),
    });
  }

  release(mentionId: number, userId: string, opts: { isLead: boolean }): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      action: 'release',
      actor: userId,
      set: { owner_id: null, claimed_at: null, status: sql`case when status = 'claimed' then 'new' else status end` as never },
      extra: opts.isLead ? { ownerIsNot: '' } : { ownerIs: userId },
      eventKind: 'released',
      thread: (m) => threadLine(':leftwards_arrow_with_hook:', `<@${userId}> released this${m.status === 'new' ? '; it is back in the pool' : ''}`, now),
    });
  }

  reassign(mentionId: number, userId: string, toUserId: string, opts: { isLead: boolean }): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      action: 'reassign',
      actor: userId,
      set: { owner_id: toUserId, claimed_at: now, status: sql`case when status = 'new' then 'claimed' else status end` as never },
      // The owner may hand it on; a lead may take it from anyone; nobody else.
      extra: opts.isLead ? undefined : { ownerIs: userId },
      eventKind: 'reassigned',
      details: { to: toUserId },
      thread: () => threadLine(':busts_in_silhouette:', `<@${userId}> handed this to <@${toUserId}>`, now),
    });
  }

  escalate(mentionId: number, userId: string, input: EscalationInput): Promise<MentionRow> {
    const now = this.deps.clock.now();
    const { escalationChannel, leadsGroup } = this.deps;
    return this.change(mentionId, {
      action: 'escalate',
      actor: userId,
      set: {
        status: sql`case when status = 'replied' then 'replied' else 'escalated' end` as never,
        escalated_at: now,
        escalated_by: userId,
        escalation_reason: input.reason,
        escalation_severity: input.severity,
        escalation_category: input.category,
        // The SLA sweep schedules the follow-up.
        sla_next_check_at: now,
      },
      extra: undefined,
      eventKind: 'escalated',
      details: { ...input },
      thread: () =>
        threadLine(':arrow_double_up:', `<@${userId}> escalated this (${input.severity} severity, ${categoryLabel(input.category)}): ${escapeAndTruncate(input.reason, 500)}`, now),
      alsoQueue: async (trx, m) => {
        const ping = leadsGroup ? `<!subteam^${leadsGroup}> ` : '';
        const text = `${ping}:arrow_double_up: *Escalation* (${input.severity} severity, ${categoryLabel(input.category)}) by <@${userId}> on a mention from @${escapeAndTruncate(displayHandle(m.author_handle), 100)}`;
        await enqueueJob(trx, {
          kind: 'post_message',
          channel: escalationChannel,
          mentionId: m.id,
          priority: JOB_PRIORITY.interactive,
          payload: {
            text,
            blocks: [
              { type: 'section', text: { type: 'mrkdwn', text } },
              { type: 'section', text: { type: 'mrkdwn', text: `*Reason:* ${escapeAndTruncate(input.reason, 2500)}` } },
              { type: 'section', text: { type: 'mrkdwn', text: quote(escapeAndTruncate(m.text, 1500)) } },
              { type: 'context', elements: [{ type: 'mrkdwn', text: safeLink(m.url, 'Open the post') }] },
            ],
            linkToCard: true,
          },
        });
      },
    });
  }

  resolve(mentionId: number, userId: string): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      action: 'resolve',
      actor: userId,
      set: { status: 'resolved', closed_at: now, closed_by: userId, close_kind: 'resolved' },
      extra: { requireReply: true },
      eventKind: 'resolved',
      thread: () => threadLine(':white_check_mark:', `<@${userId}> resolved this`, now),
    });
  }

  closeWithoutReply(mentionId: number, userId: string, kind: Exclude<CloseKind, 'resolved'>, reason: string): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      action: 'close_no_reply',
      actor: userId,
      set: { status: 'closed_no_reply', closed_at: now, closed_by: userId, close_kind: kind, close_reason: reason || null },
      extra: { requireNoReply: true },
      eventKind: 'closed_no_reply',
      details: { kind, reason },
      thread: () =>
        threadLine(':no_entry_sign:', `<@${userId}> closed this as ${kind === 'spam' ? 'spam' : 'no reply needed'}${reason ? `: ${escapeAndTruncate(reason, 500)}` : ''}`, now),
    });
  }

  /** The reply reached the customer (or was recorded as sent elsewhere): stop the clock. */
  async recordReplySent(
    mentionId: number,
    userId: string,
    reply: { id: number; text: string; mode: 'public' | 'dm'; destination: 'x' | 'elsewhere'; url?: string | null; externalId?: string | null },
  ): Promise<MentionRow> {
    const now = this.deps.clock.now();
    const where = reply.destination === 'x' ? (reply.mode === 'dm' ? 'by direct message on X' : 'publicly on X') : `${reply.mode === 'dm' ? 'privately' : 'publicly'}, sent outside earshot`;
    return this.change(mentionId, {
      action: 'reply',
      actor: userId,
      set: {
        status: 'replied',
        first_response_at: sql`coalesce(first_response_at, ${now})` as never,
        first_response_by: sql`coalesce(first_response_by, ${userId})` as never,
        // The clock stopped: the SLA sweep drops the reminders and schedules the follow-up.
        sla_next_check_at: now,
        owner_id: sql`coalesce(owner_id, ${userId})` as never,
        claimed_at: sql`coalesce(claimed_at, ${now})` as never,
      },
      eventKind: 'replied',
      details: { replyId: reply.id, mode: reply.mode, destination: reply.destination, url: reply.url ?? null },
      thread: () =>
        threadLine(':speech_balloon:', `<@${userId}> replied ${where}${reply.url ? ` (${safeLink(reply.url, 'view')})` : ''}:\n${quote(escapeAndTruncate(reply.text, 2500))}`, now),
      alsoQueue: async (trx) => {
        await trx.updateTable('replies').set({ status: 'sent', sent_at: now, external_id: reply.externalId ?? null, external_url: reply.url ?? null }).where('id', '=', reply.id).execute();
      },
    });
  }

  private async change(mentionId: number, spec: ChangeSpec): Promise<MentionRow> {
    const { db, triageChannel } = this.deps;
    const after = await db.transaction().execute(async (trx) => {
      const before = await getMention(trx, mentionId);
      if (!before) throw new EarshotError('not_found', 'That mention no longer exists in earshot.', { mentionId });
      const row = await applyTransition(trx, mentionId, spec.action, spec.set, spec.extra);
      if (!row) throw await explainLoss(trx, before, spec, this.deps.clock.now());
      await addEvent(trx, {
        mentionId,
        kind: spec.eventKind,
        actorId: spec.actor,
        fromStatus: before.status,
        toStatus: row.status,
        details: spec.details,
      });
      await enqueueCardUpdate(trx, mentionId, row.card_channel ?? triageChannel);
      const line = spec.thread?.(row);
      if (line) {
        await enqueueJob(trx, {
          kind: 'thread_reply',
          channel: row.card_channel ?? triageChannel,
          mentionId,
          priority: JOB_PRIORITY.interactive,
          payload: { text: line },
        });
      }
      await spec.alsoQueue?.(trx, row);
      return row;
    });
    this.deps.onQueued?.();
    this.deps.onChanged?.(after);
    return after;
  }
}

function categoryLabel(c: EscalationCategory): string {
  return c === 'isolated' ? 'isolated case' : c === 'policy' ? 'policy problem' : 'procedural problem';
}

/** Turns "the UPDATE matched nothing" into what the person needs to hear. */
async function explainLoss(trx: Tx, before: MentionRow, spec: ChangeSpec, now: Date): Promise<EarshotError> {
  const m = (await getMention(trx, before.id)) ?? before;
  const verdict = nextStatus({ status: m.status, ownerId: m.owner_id, hasReply: m.first_response_at !== null }, spec.action);
  const by = async (kinds: string[]) => {
    const e = await latestEvent(trx, m.id, kinds);
    return e ? { who: e.actor_id, when: ago(new Date(e.at), now) } : undefined;
  };
  if (!verdict.ok) {
    switch (verdict.reason) {
      case 'closed': {
        const e = await by(['resolved', 'closed_no_reply']);
        const what = m.status === 'resolved' ? 'resolved' : 'closed without a reply';
        return new EarshotError('closed', `This mention was already ${what}${e?.who ? ` by <@${e.who}> ${e.when}` : ''}.`, { by: e?.who });
      }
      case 'already_claimed':
        return new EarshotError(
          'already_claimed',
          `Already claimed by <@${m.owner_id}>${m.claimed_at ? `, ${ago(m.claimed_at, now)}` : ''}.`,
          { ownerId: m.owner_id, claimedAt: m.claimed_at },
        );
      case 'not_claimed':
        return new EarshotError('not_claimed', 'Nobody owns this mention right now, so there is nothing to release.');
      case 'already_escalated': {
        const e = await by(['escalated']);
        return new EarshotError('already_escalated', `Already escalated${e?.who ? ` by <@${e.who}> ${e.when}` : ''}.`);
      }
      case 'needs_reply_first':
        return new EarshotError('needs_reply_first', 'Nobody has replied to this customer yet. Reply first, or close it with “No reply needed”.');
      case 'already_replied': {
        const e = await by(['replied']);
        return new EarshotError('already_replied', `This mention already has a reply${e?.who ? ` from <@${e.who}> ${e.when}` : ''}; use Resolve instead.`);
      }
    }
  }
  if ((spec.action === 'release' || spec.action === 'reassign') && m.owner_id) {
    return new EarshotError('not_owner', `Only <@${m.owner_id}> (who owns it) or a lead can do that.`, { ownerId: m.owner_id });
  }
  if (spec.action === 'resolve' || spec.action === 'close_no_reply') {
    return new EarshotError('needs_reply_first', 'The state of this mention changed meanwhile; look at the card and try again.');
  }
  return new EarshotError('closed', 'Someone changed this mention at the same moment; the card now shows its current state.');
}
