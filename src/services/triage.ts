import type { Clock } from '../clock.js';
import { recordBrandResponse } from '../db/cases.js';
import type { Db, Tx } from '../db/database.js';
import { addEvent, applyDecision, getMention, latestEvent } from '../db/mentions.js';
import type { MentionRow, MentionUpdate } from '../db/schema.js';
import { scheduleSlaChecks } from '../db/sla.js';
import { enqueueCardUpdate, enqueueJob, JOB_PRIORITY } from '../db/slack-jobs.js';
import { decide, factsOf, type CloseKind, type Decision, type Request, type TransitionRefusal } from '../domain/lifecycle.js';
import { ago } from '../domain/mrkdwn.js';
import type { ThreadLine } from '../domain/thread-lines.js';
import { EarshotError } from '../errors.js';

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
  request: Request;
  /** Columns the change writes besides status, owner and claim time (which the lifecycle decides). */
  set?: MentionUpdate | ((before: MentionRow) => MentionUpdate);
  eventKind: string;
  details?: Record<string, unknown>;
  /** What the card's thread is told (rendered when it is sent); undefined for nothing. */
  thread?: (after: MentionRow) => ThreadLine | undefined;
  /** Further Slack writes that belong to the same change. */
  alsoQueue?: (trx: Tx, after: MentionRow) => Promise<void>;
  /** Writes the decision instead of the plain compare-and-set; undefined when the row changed meanwhile. */
  write?: (trx: Tx, before: MentionRow, decision: Extract<Decision, { ok: true }>, now: Date) => Promise<MentionRow | undefined>;
}

/** A change that keeps losing to concurrent ones gives up after this many reads. */
const MAX_ATTEMPTS = 5;

/**
 * Triage at the edge of storage. Every change reads the mention, asks the lifecycle
 * (`domain/lifecycle.ts`) what it becomes, and writes that with a compare-and-set, an audit row, a
 * card refresh and a thread line, in one transaction. A change that lost a race reads again and is
 * decided again, so a refusal always describes the mention as it now is.
 */
export class Triage {
  constructor(private readonly deps: TriageDeps) {}

  claim(mentionId: number, userId: string): Promise<MentionRow> {
    const at = this.deps.clock.now().toISOString();
    return this.change(mentionId, {
      request: { action: 'claim', actor: userId },
      eventKind: 'claimed',
      thread: () => ({ kind: 'claimed', actor: userId, at }),
    });
  }

  release(mentionId: number, userId: string, opts: { isLead: boolean }): Promise<MentionRow> {
    const at = this.deps.clock.now().toISOString();
    return this.change(mentionId, {
      request: { action: 'release', actor: userId, isLead: opts.isLead },
      eventKind: 'released',
      thread: (m) => ({ kind: 'released', actor: userId, at, backInPool: m.status === 'new' }),
    });
  }

  reassign(mentionId: number, userId: string, toUserId: string, opts: { isLead: boolean }): Promise<MentionRow> {
    const at = this.deps.clock.now().toISOString();
    return this.change(mentionId, {
      request: { action: 'reassign', actor: userId, to: toUserId, isLead: opts.isLead },
      eventKind: 'reassigned',
      details: { to: toUserId },
      thread: () => ({ kind: 'reassigned', actor: userId, to: toUserId, at }),
    });
  }

  escalate(mentionId: number, userId: string, input: EscalationInput): Promise<MentionRow> {
    const now = this.deps.clock.now();
    const { escalationChannel, leadsGroup } = this.deps;
    return this.change(mentionId, {
      request: { action: 'escalate', actor: userId },
      set: {
        escalated_at: now,
        escalated_by: userId,
        escalation_reason: input.reason,
        escalation_severity: input.severity,
        escalation_category: input.category,
      },
      eventKind: 'escalated',
      details: { ...input },
      thread: () => ({ kind: 'escalated', actor: userId, at: now.toISOString(), severity: input.severity, category: input.category, reason: input.reason }),
      alsoQueue: async (trx, m) => {
        // The SLA sweep schedules the follow-up.
        await scheduleSlaChecks(trx, [{ mentionId: m.id, at: now }]);
        await enqueueJob(trx, {
          kind: 'post_message',
          channel: escalationChannel,
          mentionId: m.id,
          priority: JOB_PRIORITY.interactive,
          payload: { escalation: { by: userId, severity: input.severity, category: input.category, reason: input.reason, ...(leadsGroup ? { leadsGroup } : {}) } },
        });
      },
    });
  }

  resolve(mentionId: number, userId: string): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      request: { action: 'resolve', actor: userId },
      set: { closed_at: now, closed_by: userId, close_kind: 'resolved' },
      eventKind: 'resolved',
      thread: () => ({ kind: 'resolved', actor: userId, at: now.toISOString() }),
    });
  }

  closeWithoutReply(mentionId: number, userId: string, kind: Exclude<CloseKind, 'resolved'>, reason: string): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      request: { action: 'close_no_reply', actor: userId },
      set: { closed_at: now, closed_by: userId, close_kind: kind, close_reason: reason || null },
      eventKind: 'closed_no_reply',
      details: { kind, reason },
      thread: () => ({ kind: 'closed_no_reply', actor: userId, at: now.toISOString(), closeKind: kind, reason }),
    });
  }

  /**
   * The reply reached the customer (or was recorded as sent elsewhere): stop the clock. A reply with
   * the network's id is also the brand's post in the case, so a customer answering it joins the
   * case and reading it back from the brand's timeline finds it stored already.
   */
  async recordReplySent(
    mentionId: number,
    userId: string,
    reply: { id: number; text: string; mode: 'public' | 'dm'; destination: 'x' | 'bluesky' | 'mastodon' | 'elsewhere'; url?: string | null; externalId?: string | null; inReplyTo?: string | null },
  ): Promise<MentionRow> {
    const now = this.deps.clock.now();
    return this.change(mentionId, {
      request: { action: 'reply', actor: userId },
      write: async (trx, before, decision) => {
        const post = reply.externalId
          ? { source: before.source, external_id: reply.externalId, reply_id: reply.id, in_reply_to: reply.inReplyTo ?? null, url: reply.url ?? null, text: reply.text, posted_at: now }
          : undefined;
        let outcome = await recordBrandResponse(trx, before, decision, { at: now, via: 'earshot', responderId: userId, post }, now);
        // Read back from the brand's timeline before this commit: the post is stored, the reply still counts.
        if (outcome.kind === 'duplicate') outcome = await recordBrandResponse(trx, before, decision, { at: now, via: 'earshot', responderId: userId }, now);
        return outcome.kind === 'recorded' ? outcome.row : undefined;
      },
      eventKind: 'replied',
      details: { replyId: reply.id, mode: reply.mode, destination: reply.destination, url: reply.url ?? null },
      thread: () => ({ kind: 'replied', actor: userId, at: now.toISOString(), mode: reply.mode, destination: reply.destination, url: reply.url ?? null, text: reply.text }),
      alsoQueue: async (trx) => {
        await trx.updateTable('replies').set({ status: 'sent', sent_at: now, external_id: reply.externalId ?? null, external_url: reply.url ?? null }).where('id', '=', reply.id).execute();
      },
    });
  }

  private async change(mentionId: number, spec: ChangeSpec): Promise<MentionRow> {
    const { db, triageChannel, clock } = this.deps;
    const after = await db.transaction().execute(async (trx) => {
      const { before, row } = await decideAndWrite(trx, mentionId, spec, clock.now());
      await addEvent(trx, {
        mentionId,
        kind: spec.eventKind,
        actorId: spec.request.actor,
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
          payload: { line },
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

/** Reads, decides, compare-and-sets; on a lost race reads again (read committed sees the winner). */
async function decideAndWrite(trx: Tx, mentionId: number, spec: ChangeSpec, now: Date): Promise<{ before: MentionRow; row: MentionRow }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await getMention(trx, mentionId);
    if (!before) throw new EarshotError('not_found', 'That mention no longer exists in earshot.', { mentionId });
    const decision = decide(factsOf(before), spec.request);
    if (!decision.ok) throw await explainRefusal(trx, before, decision.reason, spec.request, now);
    const set = typeof spec.set === 'function' ? spec.set(before) : (spec.set ?? {});
    const row = spec.write ? await spec.write(trx, before, decision, now) : await applyDecision(trx, before, decision, set, now);
    if (row) return { before, row };
  }
  throw new EarshotError('conflict', 'Others kept changing this mention at the same moment; the card now shows its current state. Try again.', { mentionId });
}

/** Turns a refusal into what the person needs to hear, from the mention as it is. */
async function explainRefusal(trx: Tx, m: MentionRow, reason: TransitionRefusal, request: Request, now: Date): Promise<EarshotError> {
  const by = async (kinds: string[]) => {
    const e = await latestEvent(trx, m.id, kinds);
    return e ? { who: e.actor_id, when: ago(new Date(e.at), now) } : undefined;
  };
  switch (reason) {
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
    case 'not_owner':
      return new EarshotError('not_owner', `Only <@${m.owner_id}> (who owns it) or a lead can do that.`, { ownerId: m.owner_id });
    case 'already_owner': {
      const to = request.action === 'reassign' ? request.to : m.owner_id;
      const self = to === request.actor ? ' (you)' : '';
      return new EarshotError('already_owner', `<@${to}>${self} already owns this mention; nothing was changed.`, { ownerId: m.owner_id });
    }
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
