/**
 * The mention lifecycle, as pure rules: every answer to "may this happen, and what does the
 * mention become?" is here. Storage reads the mention, asks `decide`, and writes the decision with a
 * compare-and-set on the status and owner it read, so the SQL only guards against a concurrent
 * change and never repeats a rule.
 *
 *   new → claimed → replied → resolved
 *   new | claimed → escalated → replied → resolved
 *   claimed → new (released); any open state → closed_no_reply (no reply needed / spam)
 */
export const MENTION_STATUSES = ['new', 'claimed', 'escalated', 'replied', 'resolved', 'closed_no_reply'] as const;
export type MentionStatus = (typeof MENTION_STATUSES)[number];

export const OPEN_STATUSES = ['new', 'claimed', 'escalated', 'replied'] as const satisfies readonly MentionStatus[];
/** Open and still waiting for the first visible reply: what the SLA clock watches. */
export const AWAITING_REPLY = ['new', 'claimed', 'escalated'] as const satisfies readonly MentionStatus[];
export const CLOSED_STATUSES = ['resolved', 'closed_no_reply'] as const satisfies readonly MentionStatus[];
/** Open and nobody's yet: the pool a responder picks from. */
export const UNCLAIMED_STATUSES = ['new', 'escalated'] as const satisfies readonly MentionStatus[];

export type Action = 'claim' | 'release' | 'reassign' | 'escalate' | 'reply' | 'resolve' | 'close_no_reply';

export type CloseKind = 'resolved' | 'no_reply_needed' | 'spam';

export interface MentionFacts {
  status: MentionStatus;
  ownerId: string | null;
  hasReply: boolean;
  /** Escalated at some point (a replied mention keeps its status when escalated). */
  escalated?: boolean;
}

export type Transition = { ok: true; to: MentionStatus } | { ok: false; reason: TransitionRefusal };

export type TransitionRefusal =
  | 'closed'
  | 'already_claimed'
  | 'not_claimed'
  | 'not_owner'
  | 'already_owner'
  | 'already_escalated'
  | 'needs_reply_first'
  | 'already_replied';

export function isOpen(status: MentionStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** The status rule alone, without who asks. */
export function nextStatus(m: MentionFacts, action: Action): Transition {
  if (!isOpen(m.status)) return { ok: false, reason: 'closed' };
  switch (action) {
    case 'claim':
      if (m.ownerId) return { ok: false, reason: 'already_claimed' };
      return { ok: true, to: m.status === 'new' ? 'claimed' : m.status };
    case 'release':
      if (!m.ownerId) return { ok: false, reason: 'not_claimed' };
      return { ok: true, to: m.status === 'claimed' ? 'new' : m.status };
    case 'reassign':
      return { ok: true, to: m.status === 'new' ? 'claimed' : m.status };
    case 'escalate':
      if (m.status === 'escalated' || m.escalated) return { ok: false, reason: 'already_escalated' };
      // Escalating after the reply keeps it "replied": the customer has their answer, the lead
      // gets the root cause.
      return { ok: true, to: m.status === 'replied' ? 'replied' : 'escalated' };
    case 'reply':
      return { ok: true, to: 'replied' };
    case 'resolve':
      if (!m.hasReply) return { ok: false, reason: 'needs_reply_first' };
      return { ok: true, to: 'resolved' };
    case 'close_no_reply':
      if (m.hasReply) return { ok: false, reason: 'already_replied' };
      return { ok: true, to: 'closed_no_reply' };
  }
}

/** Who asks for a change. `actor` null is earshot itself (the SLA sweep). */
export type Request =
  | { action: 'claim'; actor: string }
  | { action: 'release'; actor: string | null; isLead: boolean }
  | { action: 'reassign'; actor: string; to: string; isLead: boolean }
  | { action: 'escalate' | 'resolve' | 'close_no_reply'; actor: string }
  /** actor null: a reply the brand made outside earshot (on the network directly). */
  | { action: 'reply'; actor: string | null };

export type Decision =
  | { ok: true; to: MentionStatus; ownerId: string | null }
  | { ok: false; reason: TransitionRefusal };

/**
 * The whole rule for one request: the status rule plus who may do it, and the owner afterwards.
 * A change that would change nothing (releasing an unowned mention, handing it to its owner,
 * escalating it again) is refused, so nobody is told something happened when it did not.
 */
export function decide(m: MentionFacts, r: Request): Decision {
  const t = nextStatus(m, r.action);
  if (!t.ok) return t;
  switch (r.action) {
    case 'claim':
      return { ok: true, to: t.to, ownerId: r.actor };
    case 'release':
      // Someone else's case is for leads; earshot itself releases on the owner's behalf.
      if (r.actor !== null && !r.isLead && m.ownerId !== r.actor) return { ok: false, reason: 'not_owner' };
      return { ok: true, to: t.to, ownerId: null };
    case 'reassign':
      if (m.ownerId === r.to) return { ok: false, reason: 'already_owner' };
      if (m.ownerId !== null && !r.isLead && m.ownerId !== r.actor) return { ok: false, reason: 'not_owner' };
      return { ok: true, to: t.to, ownerId: r.to };
    case 'reply':
      // Whoever replies to an unowned mention owns it from then on.
      return { ok: true, to: t.to, ownerId: m.ownerId ?? r.actor };
    case 'escalate':
    case 'resolve':
    case 'close_no_reply':
      return { ok: true, to: t.to, ownerId: m.ownerId };
  }
}

/**
 * The customer wrote again. A case waiting for its answer stays as it is; an answered one, or a
 * closed one that is reopened, waits for the brand again: with its owner (claimed) or in the pool.
 */
export function afterCustomerPost(m: Pick<MentionFacts, 'status' | 'ownerId'>): MentionStatus {
  if ((AWAITING_REPLY as readonly string[]).includes(m.status)) return m.status;
  return m.ownerId ? 'claimed' : 'new';
}

/** Whether a surface should offer Escalate: the card and the Home tab ask the same question. */
export function mayEscalate(m: MentionFacts): boolean {
  return nextStatus(m, 'escalate').ok;
}

/** Statuses from which `action` may start, for queries that list what an action applies to. */
export function statusesAllowing(action: Action): MentionStatus[] {
  switch (action) {
    case 'claim':
    case 'release':
    case 'reassign':
    case 'reply':
      return [...OPEN_STATUSES];
    case 'escalate':
      return ['new', 'claimed', 'replied'];
    case 'resolve':
      return ['replied', 'escalated'];
    case 'close_no_reply':
      return [...AWAITING_REPLY];
  }
}

/** The facts the lifecycle needs, from a stored mention. */
export function factsOf(m: { status: MentionStatus; owner_id: string | null; first_response_at: Date | null; escalated_at: Date | null }): MentionFacts {
  return { status: m.status, ownerId: m.owner_id, hasReply: m.first_response_at !== null, escalated: m.escalated_at !== null };
}
