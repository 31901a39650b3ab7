import { addBusinessMinutes } from './business-hours.js';
import { AWAITING_REPLY, type MentionStatus } from './lifecycle.js';
import type { Priority } from './priority.js';
import { slaDeadlines, type SlaPolicy } from './sla.js';

/**
 * Which SLA reminder a mention is owed, as a pure rule. While the first reply is awaited a mention
 * passes through stages: 0 on track, 1 at risk (the warning), 2 overdue (the deadline), then
 * 2 + k for the k-th repeat after the deadline. A reminder is owed when the stage `now` falls in
 * is past the last stage reminded, and it is always the one reminder that fits the stage reached:
 * a mention first seen past its deadline gets the overdue reminder (never a warning and a pile of
 * repeats), a sweep that was down for an hour sends the latest repeat only. Repeats are numbered
 * by their slot after the deadline, so the same reminder has the same number on every replica.
 *
 * Escalated mentions and answered-but-unresolved ones get one follow-up a set time after the later
 * of the escalation and the first reply, so the customer is kept informed.
 *
 * With business hours the repeats and follow-ups run on business time too, like the deadline.
 */

export type ReminderKind = 'warning' | 'overdue' | 'repeat' | 'follow_up';

export interface ReminderSettings {
  /** Minutes between reminders after the deadline. */
  repeatMinutes: number;
  /** Reminders after the overdue one, at most. */
  maxRepeats: number;
  /** A follow-up this long after an escalation or a reply that did not resolve the case; 0 = none. */
  followUpMinutes: number;
  /** At the deadline, free a claim whose owner has not replied, so anyone can take it. */
  releaseOnBreach: boolean;
}

/** Who hears about an unclaimed mention at the warning: the responders group, `@here`, or nobody. */
export type WarnMention = 'responders' | 'here' | 'none';

/** Who a reminder pings: the setting for unclaimed warnings and the Slack groups to name. */
export interface ReminderAudience {
  warnMention: WarnMention;
  respondersGroup?: string;
  leadsGroup?: string;
}

export const defaultReminderSettings: ReminderSettings = {
  repeatMinutes: 30,
  maxRepeats: 4,
  followUpMinutes: 4 * 60,
  releaseOnBreach: false,
};

/** What the rule needs to know about a mention, including what was reminded already. */
export interface ReminderFacts {
  postedAt: Date;
  priority: Priority;
  status: MentionStatus;
  ownerId: string | null;
  firstResponseAt: Date | null;
  escalatedAt: Date | null;
  /**
   * The wait for a next response (the customer wrote again after an answer) and its deadlines;
   * null or absent: only the first response is watched, on the policy's deadlines from postedAt.
   */
  nextWait?: { since: Date; warnAt: Date; dueAt: Date } | null;
  /** The brand's latest reply: a follow-up is due after it. */
  lastBrandReplyAt?: Date | null;
  /** Last stage reminded (0 none, 1 warning, 2 overdue, 2 + k repeat k). */
  slaStage: number;
  /** Follow-ups sent so far, and when the last one was. */
  followUps: number;
  lastFollowUpAt: Date | null;
}

export interface DueReminder {
  kind: ReminderKind;
  /** 1 for the warning and the overdue reminder; the slot after the deadline for a repeat; the count for a follow-up. */
  n: number;
}

export interface ReminderPlan {
  /** At most one SLA reminder and one follow-up. */
  reminders: DueReminder[];
  /** Bookkeeping to store with the reminders. */
  slaStage: number;
  followUps: number;
  lastFollowUpAt: Date | null;
  /** When to look at the mention again (always after `now`); null when nothing more is scheduled. */
  nextCheckAt: Date | null;
  /** The SLA line on the card changed meaning (at risk, overdue, overdue for longer). */
  refreshCard: boolean;
  /** Free the owner's claim now (the deadline passed without a reply and the policy says so). */
  releaseClaim: boolean;
}

const MINUTE_MS = 60_000;
export const STAGE = { onTrack: 0, atRisk: 1, overdue: 2 } as const;

/** The reminder due now, if any; the SLA reminder comes before a follow-up due at the same time. */
export function dueReminder(facts: ReminderFacts, policy: SlaPolicy, settings: ReminderSettings, now: Date): DueReminder | null {
  return planReminders(facts, policy, settings, now).reminders[0] ?? null;
}

/** What to send now, what to remember, and when to look again. */
export function planReminders(facts: ReminderFacts, policy: SlaPolicy, settings: ReminderSettings, now: Date): ReminderPlan {
  const reminders: DueReminder[] = [];
  const checks: Date[] = [];
  let slaStage = facts.slaStage;
  let releaseClaim = false;

  if (awaitingReply(facts)) {
    const clock = stageClock(facts, policy, settings);
    const reached = clock.stageAt(now);
    if (reached > facts.slaStage) {
      reminders.push(reminderFor(reached, facts.slaStage));
      releaseClaim = settings.releaseOnBreach && facts.slaStage < STAGE.overdue && reached >= STAGE.overdue && facts.status === 'claimed' && facts.ownerId !== null;
      slaStage = reached;
    }
    const next = clock.startOf(slaStage + 1);
    if (next) checks.push(next);
  }

  let followUps = facts.followUps;
  let lastFollowUpAt = facts.lastFollowUpAt;
  const followUpAt = followUpDueAt(facts, policy, settings);
  if (followUpAt) {
    if (followUpAt.getTime() <= now.getTime()) {
      followUps += 1;
      lastFollowUpAt = now;
      reminders.push({ kind: 'follow_up', n: followUps });
    } else {
      checks.push(followUpAt);
    }
  }

  const nextCheckAt = checks.length === 0 ? null : new Date(Math.min(...checks.map((d) => d.getTime())));
  return {
    reminders,
    slaStage,
    followUps,
    lastFollowUpAt,
    nextCheckAt,
    refreshCard: reminders.some((r) => r.kind !== 'follow_up'),
    releaseClaim,
  };
}

/**
 * Whether a queued reminder still makes sense when it is about to be posted: nothing about the
 * deadline once the customer has a reply or the mention is closed, no follow-up once it is closed.
 */
export function reminderStillWanted(kind: ReminderKind, m: { status: MentionStatus; firstResponseAt: Date | null; waitingSince?: Date | null }): boolean {
  if (kind === 'follow_up') return m.status === 'escalated' || m.status === 'replied';
  const waiting = m.firstResponseAt === null || (m.waitingSince ?? null) !== null;
  return waiting && (AWAITING_REPLY as readonly string[]).includes(m.status);
}

function awaitingReply(f: ReminderFacts): boolean {
  return reminderStillWanted('warning', { status: f.status, firstResponseAt: f.firstResponseAt, waitingSince: f.nextWait?.since ?? null });
}

function reminderFor(reached: number, remindedBefore: number): DueReminder {
  if (reached === STAGE.atRisk) return { kind: 'warning', n: 1 };
  // The first reminder past the deadline is always the overdue one, however late it is noticed.
  if (remindedBefore < STAGE.overdue) return { kind: 'overdue', n: 1 };
  return { kind: 'repeat', n: reached - STAGE.overdue };
}

interface StageClock {
  /** The stage the SLA clock is in at `at`. */
  stageAt(at: Date): number;
  /** When `stage` begins; null past the last repeat. */
  startOf(stage: number): Date | null;
}

function stageClock(facts: ReminderFacts, policy: SlaPolicy, settings: ReminderSettings): StageClock {
  const { warnAt, dueAt } = facts.nextWait ?? slaDeadlines(facts.postedAt, facts.priority, policy);
  const since = facts.nextWait?.since ?? facts.postedAt;
  const hours = policy.businessHours;
  const repeatAt = (k: number) =>
    hours === null ? new Date(dueAt.getTime() + k * settings.repeatMinutes * MINUTE_MS) : addBusinessMinutes(dueAt, k * settings.repeatMinutes, hours);
  const lastStage = STAGE.overdue + Math.max(0, settings.maxRepeats);
  const startOf = (stage: number): Date | null => {
    if (stage <= STAGE.onTrack) return since;
    if (stage === STAGE.atRisk) return warnAt;
    // Overdue right after the due time, as on the card (a reply exactly at the due time is met).
    if (stage === STAGE.overdue) return new Date(dueAt.getTime() + 1);
    return stage <= lastStage ? repeatAt(stage - STAGE.overdue) : null;
  };
  return {
    startOf,
    stageAt(at) {
      const t = at.getTime();
      let stage: number = STAGE.onTrack;
      for (let s = STAGE.atRisk; s <= lastStage; s++) {
        const start = startOf(s);
        if (start === null || start.getTime() > t) break;
        stage = s;
      }
      return stage;
    },
  };
}

/** When the next follow-up is due: one per escalation or reply, `followUpMinutes` after it. */
function followUpDueAt(f: ReminderFacts, policy: SlaPolicy, settings: ReminderSettings): Date | null {
  if (settings.followUpMinutes <= 0 || (f.status !== 'escalated' && f.status !== 'replied')) return null;
  const anchors = [f.escalatedAt, f.firstResponseAt, f.lastBrandReplyAt ?? null].filter((d): d is Date => d !== null).map((d) => d.getTime());
  if (anchors.length === 0) return null;
  const anchor = new Date(Math.max(...anchors));
  if (f.lastFollowUpAt !== null && f.lastFollowUpAt.getTime() >= anchor.getTime()) return null;
  const hours = policy.businessHours;
  return hours === null ? new Date(anchor.getTime() + settings.followUpMinutes * MINUTE_MS) : addBusinessMinutes(anchor, settings.followUpMinutes, hours);
}
