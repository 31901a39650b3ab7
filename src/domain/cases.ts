import { afterCustomerPost, isOpen, type MentionStatus } from './lifecycle.js';
import type { Priority } from './priority.js';
import { nextResponseDeadlines, slaDeadlines, type SlaPolicy } from './sla.js';

/**
 * Conversations as pure rules: which case a customer's post belongs to, and what a case becomes
 * when the customer writes again. A post joins a case when it replies to one of the case's posts
 * (the customer's or the brand's), or when its author has an open case on the same source.
 */

const DAY_MS = 24 * 60 * 60_000;

/** What the join rule needs to know of a case. */
export interface CaseRef {
  id: number;
  status: MentionStatus;
  closedAt: Date | null;
}

export type JoinDecision =
  | { kind: 'new' }
  | { kind: 'join'; caseId: number }
  /** A reply to a case closed less than CASE_REOPEN_DAYS before the post: the same case again. */
  | { kind: 'reopen'; caseId: number }
  /** A reply to a case closed longer ago: a new case that links to it. */
  | { kind: 'new_linked'; previousCaseId: number };

/**
 * `replyTo`: the case of the post this one answers, if any is known; `authorsOpen`: the author's
 * open case on the same source, if any. A reply to an open case joins it even when the author has
 * another open case: the thread says which conversation it belongs to.
 */
export function joinCase(post: { postedAt: Date }, replyTo: CaseRef | undefined, authorsOpen: CaseRef | undefined, reopenDays: number): JoinDecision {
  if (replyTo) {
    if (isOpen(replyTo.status)) return { kind: 'join', caseId: replyTo.id };
    if (authorsOpen) return { kind: 'join', caseId: authorsOpen.id };
    const closedAt = replyTo.closedAt?.getTime() ?? 0;
    if (post.postedAt.getTime() - closedAt < reopenDays * DAY_MS) return { kind: 'reopen', caseId: replyTo.id };
    return { kind: 'new_linked', previousCaseId: replyTo.id };
  }
  if (authorsOpen) return { kind: 'join', caseId: authorsOpen.id };
  return { kind: 'new' };
}

/** A case as the follow-up rule reads it. */
export interface CaseState {
  status: MentionStatus;
  ownerId: string | null;
  priority: Priority;
  /** null: the brand has answered and the customer is not waiting. */
  waitingSince: Date | null;
  firstResponseAt: Date | null;
  customerPosts: number;
  lastCustomerPostAt: Date | null;
}

export interface AfterFollowUps {
  status: MentionStatus;
  customerPosts: number;
  lastCustomerPostAt: Date;
  /** Set when the customer waits for the brand again from the first of these posts. */
  newWait: { since: Date; warnAt: Date; dueAt: Date } | null;
  reopened: boolean;
}

/**
 * The customer wrote `postedAt` (one or more posts, any order) on a case. While the case waits for
 * an answer nothing moves the deadline: the customer has waited since the first post. On an
 * answered or closed case the wait starts again at the earliest of these posts, with the
 * next-response deadline, or with the first-response one when the case was never answered (it was
 * closed without a reply and is reopened).
 */
export function afterFollowUps(c: CaseState, postedAt: Date[], policy: SlaPolicy): AfterFollowUps {
  const times = postedAt.map((d) => d.getTime()).sort((a, b) => a - b);
  const first = new Date(times[0] ?? Date.now());
  const latest = Math.max(times[times.length - 1] ?? 0, c.lastCustomerPostAt?.getTime() ?? 0);
  const reopened = !isOpen(c.status);
  const waiting = c.waitingSince !== null && !reopened;
  const deadlines = c.firstResponseAt ? nextResponseDeadlines(first, c.priority, policy) : slaDeadlines(first, c.priority, policy);
  return {
    status: afterCustomerPost({ status: c.status, ownerId: c.ownerId }),
    customerPosts: c.customerPosts + times.length,
    lastCustomerPostAt: new Date(latest),
    newWait: waiting ? null : { since: first, ...deadlines },
    reopened,
  };
}

/** Whether a quiet case closes itself: answered, not waiting, and nothing from the customer for `idleDays`. */
export function idleSince(now: Date, idleDays: number): Date {
  return new Date(now.getTime() - idleDays * DAY_MS);
}
