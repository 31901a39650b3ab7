import { TZDate } from '@date-fns/tz';
import { addBusinessMinutes, assertTimeZone, type BusinessHours } from './business-hours.js';
import { PRIORITIES, type Priority } from './priority.js';

/**
 * First-response SLA: the first reply the customer can see stops the clock. Due at
 * `postedAt + target` (round the clock by default; with business hours the clock runs only while
 * the team is on duty), at risk from `postedAt + warn`. Met = first response at or before dueAt.
 */
export type { BusinessHours } from './business-hours.js';
export { parseBusinessHours } from './business-hours.js';

export interface SlaTarget {
  firstResponseMinutes: number;
  warnMinutes: number;
}

export interface SlaPolicy {
  default: SlaTarget;
  byPriority: Partial<Record<Priority, SlaTarget>>;
  /** null = round the clock, the default. */
  businessHours: BusinessHours | null;
  /** SLA_NEXT_RESPONSE_MINUTES; undefined: each priority's first-response target. */
  nextResponseMinutes?: number;
}

/**
 * on_track / at_risk / breached while waiting for the first response; met / missed once it came.
 * not_applicable: closed without any reply (no reply needed, spam). Such a mention was never
 * answered, so "met" would flatter the team and "missed" would punish a correct decision; it stays
 * on record (with its reason and author) but outside the "% within target" figure.
 */
/** Where a mention stands against its response target; the card, statistics and export share these. */
export const SLA_STATE = {
  onTrack: 'on_track',
  atRisk: 'at_risk',
  breached: 'breached',
  met: 'met',
  missed: 'missed',
  notApplicable: 'not_applicable',
} as const;
export type SlaState = (typeof SLA_STATE)[keyof typeof SLA_STATE];
export const SLA_STATES: readonly SlaState[] = Object.values(SLA_STATE);

interface SlaClock {
  warnAt: Date;
  dueAt: Date;
  /**
   * Whole minutes until dueAt, negative when overdue (never 0 once past due). Measured from now
   * while waiting, and frozen at the first response or the closing once the clock has stopped.
   */
  minutesLeft: number;
}

export type SlaStatus =
  | (SlaClock & { state: 'on_track' | 'at_risk' | 'breached'; responseMinutes: null })
  /** responseMinutes: wall-clock minutes from post to first response, rounded up. */
  | (SlaClock & { state: 'met' | 'missed'; responseMinutes: number })
  | (SlaClock & { state: 'not_applicable'; responseMinutes: null });

export interface SlaInput {
  postedAt: Date;
  priority: Priority;
  firstResponseAt: Date | null;
  closedAt?: Date | null;
}

export const defaultSlaPolicy: SlaPolicy = {
  default: { firstResponseMinutes: 60, warnMinutes: 45 },
  byPriority: {},
  businessHours: null,
};

const MINUTE_MS = 60_000;

export function slaTargetFor(priority: Priority, policy: SlaPolicy): SlaTarget {
  return policy.byPriority[priority] ?? policy.default;
}

export function slaDeadlines(postedAt: Date, priority: Priority, policy: SlaPolicy): { warnAt: Date; dueAt: Date } {
  const target = slaTargetFor(priority, policy);
  const hours = policy.businessHours;
  if (hours === null) {
    return {
      warnAt: new Date(postedAt.getTime() + target.warnMinutes * MINUTE_MS),
      dueAt: new Date(postedAt.getTime() + target.firstResponseMinutes * MINUTE_MS),
    };
  }
  return {
    warnAt: addBusinessMinutes(postedAt, target.warnMinutes, hours),
    dueAt: addBusinessMinutes(postedAt, target.firstResponseMinutes, hours),
  };
}

/**
 * The deadlines of a next response (the customer wrote again after an answer), counted from that
 * post. The warning comes at the same share of the wait as the first-response warning does of its
 * target (45 of 60 → at three quarters), so one setting moves both and they never cross.
 */
export function nextResponseDeadlines(wroteAt: Date, priority: Priority, policy: SlaPolicy): { warnAt: Date; dueAt: Date } {
  const target = slaTargetFor(priority, policy);
  const minutes = policy.nextResponseMinutes ?? target.firstResponseMinutes;
  const warn = Math.min(minutes - 1, Math.round((minutes * target.warnMinutes) / target.firstResponseMinutes));
  const next = { ...policy, default: { firstResponseMinutes: minutes, warnMinutes: Math.max(0, warn) }, byPriority: {} };
  return slaDeadlines(wroteAt, priority, next);
}

export function slaStatus(input: SlaInput, policy: SlaPolicy, now: Date): SlaStatus {
  const { warnAt, dueAt } = slaDeadlines(input.postedAt, input.priority, policy);
  const due = dueAt.getTime();

  if (input.firstResponseAt) {
    const answered = input.firstResponseAt.getTime();
    return {
      state: answered <= due ? 'met' : 'missed',
      warnAt,
      dueAt,
      minutesLeft: wholeMinutesLeft(due - answered),
      // A reply stamped before the post (clock skew between sources) counts as instant.
      responseMinutes: Math.max(0, Math.ceil((answered - input.postedAt.getTime()) / MINUTE_MS)),
    };
  }
  if (input.closedAt) {
    return {
      state: 'not_applicable',
      warnAt,
      dueAt,
      minutesLeft: wholeMinutesLeft(due - input.closedAt.getTime()),
      responseMinutes: null,
    };
  }
  const t = now.getTime();
  const state = t > due ? 'breached' : t >= warnAt.getTime() ? 'at_risk' : 'on_track';
  return { state, warnAt, dueAt, minutesLeft: wholeMinutesLeft(due - t), responseMinutes: null };
}

/** Rounded away from the deadline, so 30 s left reads "1 min left" and 30 s late "overdue by 1 min". */
function wholeMinutesLeft(ms: number): number {
  const minutes = ms >= 0 ? Math.ceil(ms / MINUTE_MS) : Math.floor(ms / MINUTE_MS);
  return minutes === 0 ? 0 : minutes;
}

/**
 * "high=30/20,low=120/90" → per-priority targets (first response / warning, in minutes). The
 * warning may be left out ("high=30"): it then defaults to three quarters of the target, the
 * 45-for-60 ratio. An empty spec means no overrides. Every problem is named in one Error.
 */
export function parseSlaOverrides(spec: string): Partial<Record<Priority, SlaTarget>> {
  const overrides: Partial<Record<Priority, SlaTarget>> = {};
  if (spec.trim() === '') return overrides;
  const problems: string[] = [];

  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    const match = /^([a-z]+)\s*=\s*(\d+)(?:\s*\/\s*(\d+))?$/i.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not priority=minutes/warnMinutes`);
      continue;
    }
    const [, name = '', targetText = '', warnText] = match;
    const priority = PRIORITIES.find((p) => p === name.toLowerCase());
    const target = Number(targetText);
    const warn = warnText === undefined ? Math.floor(target * 0.75) : Number(warnText);
    if (priority === undefined) {
      problems.push(`"${entry}": unknown priority "${name}" (use ${PRIORITIES.join(', ')})`);
    } else if (overrides[priority] !== undefined) {
      problems.push(`"${entry}": ${priority} is given twice`);
    } else if (target < 1) {
      problems.push(`"${entry}": the target must be at least 1 minute`);
    } else if (warn >= target) {
      problems.push(`"${entry}": the warning (${warn} min) must come before the target (${target} min)`);
    } else {
      overrides[priority] = { firstResponseMinutes: target, warnMinutes: warn };
    }
  }

  if (problems.length > 0) {
    throw new Error(`Invalid SLA overrides "${spec}": ${problems.join('; ')}; expected e.g. "high=30/20,low=120/90"`);
  }
  return overrides;
}

/**
 * One line for the card: "due 11:42 · 48 min left", "at risk · due 11:42 · 12 min left",
 * "overdue by 7 min (due 11:42)", "met · replied in 14 min", "missed · replied in 73 min".
 * Times are HH:MM in `timeZone`; a due time on another day than `now` gets its weekday
 * ("due Mon 10:00"), or its date when more than six days away.
 */
export function formatSlaLine(status: SlaStatus, now: Date, timeZone = 'UTC'): string {
  const zone = assertTimeZone(timeZone);
  const due = formatDue(status.dueAt, now, zone);
  switch (status.state) {
    case 'on_track':
      return `due ${due} · ${formatMinutes(status.minutesLeft)} left`;
    case 'at_risk':
      return `at risk · due ${due} · ${formatMinutes(status.minutesLeft)} left`;
    case 'breached':
      return `overdue by ${formatMinutes(-status.minutesLeft)} (due ${due})`;
    case 'met':
      return `met · replied in ${formatMinutes(status.responseMinutes)}`;
    case 'missed':
      return `missed · replied in ${formatMinutes(status.responseMinutes)}`;
    case 'not_applicable':
      return 'closed without reply · no SLA';
  }
}

/** "48 min" up to two hours, then "5 h 12 min", from two days "3 d 4 h". */
export function formatMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 120) return `${m} min`;
  if (m < 48 * 60) return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
  const days = Math.floor(m / (24 * 60));
  const hours = Math.floor((m % (24 * 60)) / 60);
  return hours === 0 ? `${days} d` : `${days} d ${hours} h`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function formatDue(dueAt: Date, now: Date, zone: string): string {
  const due = new TZDate(dueAt.getTime(), zone);
  const today = new TZDate(now.getTime(), zone);
  const time = `${pad(due.getHours())}:${pad(due.getMinutes())}`;
  const dayDiff =
    (Date.UTC(due.getFullYear(), due.getMonth(), due.getDate()) -
      Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) /
    (24 * 60 * MINUTE_MS);
  if (dayDiff === 0) return time;
  if (Math.abs(dayDiff) <= 6) return `${WEEKDAYS[due.getDay()] ?? ''} ${time}`;
  return `${due.getDate()} ${MONTHS[due.getMonth()] ?? ''} ${time}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
