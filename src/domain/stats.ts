/** What `/social-stats` and the Home tab report: the results of the statistics queries. */
import type { StatsWindow } from './stats-window.js';

export interface PeriodFigures {
  /** Cases started in the period (a case is one customer's conversation). */
  received: number;
  /** The customers' posts in the period, shown beside the cases. */
  posts: number;
  answered: number;
  /** Received in the period and still waiting for a first reply. */
  open: number;
  closedNoReply: number;
  /** Seconds; null when nothing received in the period was answered. */
  medianFirstResponseSec: number | null;
  p90FirstResponseSec: number | null;
  /** Deadlines that fell in the period (closed-without-reply excluded) and how many were met. */
  due: number;
  dueMet: number;
  /** dueMet / due, 0..1; null when nothing came due. */
  withinTarget: number | null;
  /** Answers after the customer wrote again, by when they came; their median wait, and how many came by the deadline. */
  nextResponses: number;
  medianNextResponseSec: number | null;
  nextMet: number;
  /** nextMet / nextResponses, 0..1; null when there was none. */
  nextWithinTarget: number | null;
  escalated: number;
  escalations: { isolated: number; policy: number; procedural: number; other: number };
  sentiment: { positive: number; neutral: number; negative: number; unscored: number };
}

export interface OpenNow {
  /** Open and waiting for a first reply, whenever they were posted. */
  waiting: number;
  atRisk: number;
  overdue: number;
}

export interface ResponderFigures {
  userId: string;
  claimed: number;
  replied: number;
  medianFirstResponseSec: number | null;
  due: number;
  dueMet: number;
  withinTarget: number | null;
}

export interface StatsReport {
  window: StatsWindow;
  /** Set when the report is about one person (the mentions they own). */
  userId?: string;
  current: PeriodFigures;
  previous: PeriodFigures;
  openNow: OpenNow;
  /** Cases answered once whose customer wrote again and now waits past the next-response deadline. */
  nextOverdue?: number;
  /** Most replies first; at most `maxResponders`. */
  responders: ResponderFigures[];
  respondersTotal: number;
  /** Busiest hours of the day (0–23 in the window's time zone) by mentions received, busiest first. */
  busiestHours: Array<{ hour: number; count: number }>;
}

export interface StatsQuery {
  window: StatsWindow;
  userId?: string;
  now: Date;
  maxResponders?: number;
}

/** A count from Postgres (bigint arrives as a string); 0 for none. */
export function num(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
