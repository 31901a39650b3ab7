import type { MentionStatus } from '../db/schema.js';

/**
 * The mention lifecycle, as pure rules. Storage applies a transition with one conditional UPDATE
 * whose WHERE clause repeats the precondition, so a change that lost a race updates nothing.
 *
 *   new → claimed → replied → resolved
 *   new | claimed → escalated → replied → resolved
 *   claimed → new (released); any open state → closed_no_reply (no reply needed / spam)
 */
export type { MentionStatus };

export const OPEN_STATUSES = ['new', 'claimed', 'escalated', 'replied'] as const satisfies readonly MentionStatus[];
/** Open and still waiting for the first visible reply: what the SLA clock watches. */
export const AWAITING_REPLY = ['new', 'claimed', 'escalated'] as const satisfies readonly MentionStatus[];
export const CLOSED_STATUSES = ['resolved', 'closed_no_reply'] as const satisfies readonly MentionStatus[];

export type Action = 'claim' | 'release' | 'reassign' | 'escalate' | 'reply' | 'resolve' | 'close_no_reply';

export type CloseKind = 'resolved' | 'no_reply_needed' | 'spam';

export interface MentionFacts {
  status: MentionStatus;
  ownerId: string | null;
  hasReply: boolean;
}

export type Transition = { ok: true; to: MentionStatus } | { ok: false; reason: TransitionRefusal };

export type TransitionRefusal =
  | 'closed'
  | 'already_claimed'
  | 'not_claimed'
  | 'already_escalated'
  | 'needs_reply_first'
  | 'already_replied';

export function isOpen(status: MentionStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

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
      if (m.status === 'escalated') return { ok: false, reason: 'already_escalated' };
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

/** Statuses from which `action` may start: the WHERE clause of the conditional UPDATE. */
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
