import { TZDate } from '@date-fns/tz';
import type { PeriodName } from './stats-args.js';

/**
 * The period a report covers, [from, to), and the previous period it is compared with,
 * [prevFrom, prevTo). Rolling periods end now and start on the whole hour (UTC) at or before their
 * length ago: "last 30 days" at 13:07 covers from 13:00 thirty days ago, so it holds at least the
 * last 30 days and no more than one hour beyond; the previous period is the full length before it.
 * Whole hours are what the statistics rollups count in, so a report reads no single case at its
 * start. `today` starts at midnight in the team's time zone and is compared with yesterday up to
 * the same time of day.
 */
export interface StatsWindow {
  period: PeriodName;
  from: Date;
  to: Date;
  prevFrom: Date;
  prevTo: Date;
  timeZone: string;
}

const HOUR_MS = 3_600_000;
const ROLLING_HOURS: Record<Exclude<PeriodName, 'today'>, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30, '90d': 24 * 90 };

export function statsWindow(period: PeriodName, now: Date, timeZone: string): StatsWindow {
  const to = new Date(now.getTime());
  if (period === 'today') {
    const from = startOfDay(now, timeZone);
    const prevFrom = startOfDay(new Date(from.getTime() - 1), timeZone);
    return { period, from, to, prevFrom, prevTo: new Date(prevFrom.getTime() + (to.getTime() - from.getTime())), timeZone };
  }
  const length = ROLLING_HOURS[period] * HOUR_MS;
  const from = new Date(Math.floor((to.getTime() - length) / HOUR_MS) * HOUR_MS);
  return { period, from, to, prevFrom: new Date(from.getTime() - length), prevTo: from, timeZone };
}

/** Midnight of `at`'s day in `timeZone` (DST-aware: a day may have 23 or 25 hours). */
export function startOfDay(at: Date, timeZone: string): Date {
  const local = new TZDate(at.getTime(), timeZone);
  return new Date(new TZDate(local.getFullYear(), local.getMonth(), local.getDate(), 0, 0, 0, 0, timeZone).getTime());
}

/** "last 7 days", "today so far", in words for the answer's header. */
export function periodLabel(period: PeriodName): string {
  switch (period) {
    case 'today':
      return 'today so far';
    case '24h':
      return 'last 24 hours';
    case '7d':
      return 'last 7 days';
    case '30d':
      return 'last 30 days';
    case '90d':
      return 'last 90 days';
  }
}

/** "in the last 7 days", "today": the period inside a sentence. */
export function duringPeriod(period: PeriodName): string {
  return period === 'today' ? 'today' : `in the ${periodLabel(period)}`;
}

/** What the previous period is called next to a figure. */
export function previousLabel(period: PeriodName): string {
  return period === 'today' ? 'yesterday by this time' : `the ${periodLabel(period).replace('last ', '')} before`;
}
