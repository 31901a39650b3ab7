import { TZDate } from '@date-fns/tz';

/**
 * Opening hours in a time zone, for SLA clocks that run only while the team is on duty.
 * Wall-clock times are turned into instants per day by @date-fns/tz, so a DST change inside a
 * window shortens or lengthens it by the real hour instead of counting a missing hour.
 */
export interface BusinessHours {
  /** IANA name, e.g. "Europe/Berlin". */
  timeZone: string;
  /** ISO weekdays, 1 = Monday .. 7 = Sunday: the day a window opens. */
  days: number[];
  /** "09:00". */
  start: string;
  /** "17:30"; "24:00" is midnight at the end of the day; an end before the start runs overnight. */
  end: string;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const EXAMPLE = 'e.g. "Mon-Fri 09:00-17:30" or "Mon,Wed,Sat 10:00-14:00"';
const MINUTE_MS = 60_000;
// Enough to find the next window from any instant even with a single open day a week.
const MAX_DAYS_SCANNED = 15;

/** Throws a clear Error unless `timeZone` is an IANA zone Intl knows; returns its canonical name. */
export function assertTimeZone(timeZone: string): string {
  if (timeZone.trim() === '') {
    throw new Error('Missing time zone: use an IANA name such as "Europe/Berlin" or "UTC"');
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`Unknown time zone "${timeZone}": use an IANA name such as "Europe/Berlin" or "UTC"`);
  }
}

/** "Mon-Fri 09:00-17:30" → BusinessHours. Days: names, ranges (also wrapping, "Fri-Mon") and lists. */
export function parseBusinessHours(spec: string, timeZone: string): BusinessHours {
  const zone = assertTimeZone(timeZone);
  const match = /^\s*(\S+)\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$/.exec(spec);
  if (!match) {
    throw new Error(`Invalid business hours "${spec}": expected days then times, ${EXAMPLE}`);
  }
  const [, daysPart = '', startPart = '', endPart = ''] = match;
  const problems: string[] = [];

  const days = new Set<number>();
  for (const item of daysPart.split(',')) {
    const [from, to, ...rest] = item.split(/[-–]/);
    const first = dayNumber(from);
    const last = to === undefined ? first : dayNumber(to);
    if (first === null || last === null || rest.length > 0) {
      problems.push(`"${item}" is not a day or day range (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
      continue;
    }
    for (let day = first; ; day = (day % 7) + 1) {
      days.add(day);
      if (day === last) break;
    }
  }

  const start = minutesOfDay(startPart);
  const end = minutesOfDay(endPart);
  if (start === null || start === 24 * 60) problems.push(`start "${startPart}" is not a time between 00:00 and 23:59`);
  if (end === null) problems.push(`end "${endPart}" is not a time between 00:00 and 24:00`);
  if (start !== null && end !== null && start === end) {
    problems.push('start and end are the same time; use 00:00-24:00 for whole days');
  }

  if (problems.length > 0) {
    throw new Error(`Invalid business hours "${spec}": ${problems.join('; ')}; ${EXAMPLE}`);
  }
  return {
    timeZone: zone,
    days: [...days].sort((a, b) => a - b),
    start: formatMinutesOfDay(start ?? 0),
    end: formatMinutesOfDay(end ?? 0),
  };
}

/**
 * The instant `minutes` of business time after `from`. The clock starts at `from` if it is inside
 * hours, else at the next opening; a target used up exactly at closing time is due at closing.
 */
export function addBusinessMinutes(from: Date, minutes: number, hours: BusinessHours): Date {
  let remaining = Math.max(0, minutes) * MINUTE_MS;
  const start = from.getTime();
  for (const window of windowsFrom(start, hours)) {
    const clockStart = Math.max(window.open, start);
    const available = window.close - clockStart;
    if (remaining <= available) return new Date(clockStart + remaining);
    remaining -= available;
  }
  // windowsFrom never ends for valid hours; this guards hand-built invalid ones.
  throw new Error('Business hours have no open time');
}

/** Milliseconds since the epoch of each opening window that closes after `from`, in order. */
function* windowsFrom(from: number, hours: BusinessHours): Generator<{ open: number; close: number }> {
  const start = minutesOfDay(hours.start);
  const end = minutesOfDay(hours.end);
  if (start === null || start === 24 * 60 || end === null || start === end || hours.days.length === 0) {
    throw new Error(`Invalid business hours ${JSON.stringify(hours)}`);
  }
  const zone = assertTimeZone(hours.timeZone);
  const overnight = end <= start;
  const local = new TZDate(from, zone);
  let quietDays = 0;
  // Start a day early: an overnight window that opened yesterday may still be open.
  for (let offset = -1; quietDays < MAX_DAYS_SCANNED; offset += 1) {
    // Calendar arithmetic in UTC, where every day has 24 hours; only the wall times meet the zone.
    const day = new Date(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate() + offset));
    const isoWeekday = ((day.getUTCDay() + 6) % 7) + 1;
    if (!hours.days.includes(isoWeekday)) {
      quietDays += 1;
      continue;
    }
    const open = wallClock(day, start, zone);
    const close = wallClock(day, overnight ? end + 24 * 60 : end, zone);
    // A window that falls entirely into a skipped DST hour can come out empty or inverted.
    if (close > from && close > open) {
      quietDays = 0;
      yield { open, close };
    }
  }
}

/** The instant of `minutes` past midnight (may exceed a day) of the calendar `day` in `zone`. */
function wallClock(day: Date, minutes: number, zone: string): number {
  // TZDate resolves a time that does not exist (spring forward) to the same instant one hour later
  // and an ambiguous one (fall back) to the later of the two.
  return new TZDate(
    day.getUTCFullYear(),
    day.getUTCMonth(),
    day.getUTCDate() + Math.floor(minutes / (24 * 60)),
    Math.floor((minutes % (24 * 60)) / 60),
    minutes % 60,
    zone,
  ).getTime();
}

function dayNumber(name: string | undefined): number | null {
  const key = (name ?? '').trim().toLowerCase();
  const short = DAY_NAMES.indexOf(key as (typeof DAY_NAMES)[number]);
  if (short >= 0) return short + 1;
  const full = FULL_DAY_NAMES.indexOf(key as (typeof FULL_DAY_NAMES)[number]);
  return full >= 0 ? full + 1 : null;
}

/** "9:05" → 545; "24:00" → 1440; anything else invalid → null. */
function minutesOfDay(time: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (hour === 24 && minute === 0) return 24 * 60;
  if (hour > 23 || minute > 59) return null;
  return hour * 60 + minute;
}

function formatMinutesOfDay(minutes: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
