import { describe, it, expect } from 'vitest';
import {
  defaultSlaPolicy,
  formatMinutes,
  formatSlaLine,
  parseBusinessHours,
  parseSlaOverrides,
  slaDeadlines,
  slaStatus,
  slaTargetFor,
  type SlaPolicy,
} from '../../src/domain/sla.js';

const at = (iso: string) => new Date(iso);
const posted = at('2026-11-24T10:42:00Z'); // a Tuesday

const withHigh: SlaPolicy = {
  ...defaultSlaPolicy,
  byPriority: { high: { firstResponseMinutes: 30, warnMinutes: 20 } },
};
const berlinOffice: SlaPolicy = {
  ...defaultSlaPolicy,
  businessHours: parseBusinessHours('Mon-Fri 09:00-17:00', 'Europe/Berlin'),
};

function open(now: string, policy: SlaPolicy = defaultSlaPolicy) {
  return slaStatus({ postedAt: posted, priority: 'normal', firstResponseAt: null }, policy, at(now));
}
function repliedAt(reply: string) {
  return slaStatus({ postedAt: posted, priority: 'normal', firstResponseAt: at(reply) }, defaultSlaPolicy, at('2026-11-24T15:00:00Z'));
}

describe('slaTargetFor', () => {
  it('uses the per-priority override and falls back to the default', () => {
    expect(slaTargetFor('high', withHigh)).toEqual({ firstResponseMinutes: 30, warnMinutes: 20 });
    expect(slaTargetFor('normal', withHigh)).toEqual({ firstResponseMinutes: 60, warnMinutes: 45 });
  });
});

describe('slaDeadlines', () => {
  it('runs round the clock by default: 60 min, warning at 45', () => {
    expect(slaDeadlines(posted, 'normal', defaultSlaPolicy)).toEqual({
      warnAt: at('2026-11-24T11:27:00Z'),
      dueAt: at('2026-11-24T11:42:00Z'),
    });
  });

  it('runs round the clock through the night and the weekend', () => {
    const saturdayNight = at('2026-11-21T23:30:00Z');
    expect(slaDeadlines(saturdayNight, 'low', defaultSlaPolicy).dueAt).toEqual(at('2026-11-22T00:30:00Z'));
  });

  it('applies a per-priority override', () => {
    expect(slaDeadlines(posted, 'high', withHigh)).toEqual({
      warnAt: at('2026-11-24T11:02:00Z'),
      dueAt: at('2026-11-24T11:12:00Z'),
    });
  });

  it('counts the real 60 minutes across the spring-forward night when round the clock', () => {
    // 01:30 CET → 03:30 CEST on 29 March 2026: one real hour.
    expect(slaDeadlines(at('2026-03-29T00:30:00Z'), 'normal', defaultSlaPolicy).dueAt).toEqual(at('2026-03-29T01:30:00Z'));
  });

  it('pauses outside business hours: Friday 18:00 is due Monday 10:00, warned at 09:45', () => {
    expect(slaDeadlines(at('2026-11-20T17:00:00Z'), 'normal', berlinOffice)).toEqual({
      warnAt: at('2026-11-23T08:45:00Z'),
      dueAt: at('2026-11-23T09:00:00Z'),
    });
  });

  it('pauses across a weekend on which the clocks change (Berlin, 29 March 2026)', () => {
    // Friday 16:30 CET + 60 min → Monday 09:30 CEST.
    expect(slaDeadlines(at('2026-03-27T15:30:00Z'), 'normal', berlinOffice).dueAt).toEqual(at('2026-03-30T07:30:00Z'));
  });
});

describe('slaStatus while waiting', () => {
  it('is on track before the warning', () => {
    expect(open('2026-11-24T10:54:00Z')).toEqual({
      state: 'on_track',
      warnAt: at('2026-11-24T11:27:00Z'),
      dueAt: at('2026-11-24T11:42:00Z'),
      minutesLeft: 48,
      responseMinutes: null,
    });
    expect(open('2026-11-24T11:26:59Z').state).toBe('on_track');
  });

  it('is at risk from exactly the warning time up to and including the due time', () => {
    expect(open('2026-11-24T11:27:00Z')).toMatchObject({ state: 'at_risk', minutesLeft: 15 });
    expect(open('2026-11-24T11:42:00Z')).toMatchObject({ state: 'at_risk', minutesLeft: 0 });
  });

  it('is breached right after the due time, with negative minutes left', () => {
    expect(open('2026-11-24T11:42:01Z')).toMatchObject({ state: 'breached', minutesLeft: -1 });
    expect(open('2026-11-24T11:49:00Z')).toMatchObject({ state: 'breached', minutesLeft: -7 });
  });

  it('rounds partial minutes away from the deadline', () => {
    expect(open('2026-11-24T11:41:30Z').minutesLeft).toBe(1);
    expect(open('2026-11-24T11:42:30Z').minutesLeft).toBe(-1);
  });

  it('is on track over the weekend for a post made outside business hours', () => {
    const saturday = slaStatus(
      { postedAt: at('2026-11-21T11:00:00Z'), priority: 'normal', firstResponseAt: null },
      berlinOffice,
      at('2026-11-21T12:00:00Z'),
    );
    expect(saturday).toMatchObject({ state: 'on_track', dueAt: at('2026-11-23T09:00:00Z'), minutesLeft: 45 * 60 });
  });
});

describe('slaStatus once the clock has stopped', () => {
  it('is met for a reply at minute 59 and exactly at the due time, missed at minute 61', () => {
    expect(repliedAt('2026-11-24T11:41:00Z')).toMatchObject({ state: 'met', responseMinutes: 59, minutesLeft: 1 });
    expect(repliedAt('2026-11-24T11:42:00Z')).toMatchObject({ state: 'met', responseMinutes: 60, minutesLeft: 0 });
    expect(repliedAt('2026-11-24T11:43:00Z')).toMatchObject({ state: 'missed', responseMinutes: 61, minutesLeft: -1 });
  });

  it('is missed a second late, and says 61 minutes rather than 60', () => {
    expect(repliedAt('2026-11-24T11:42:01Z')).toMatchObject({ state: 'missed', responseMinutes: 61 });
  });

  it('does not depend on now once replied', () => {
    const reply = { postedAt: posted, priority: 'normal' as const, firstResponseAt: at('2026-11-24T10:56:00Z') };
    expect(slaStatus(reply, defaultSlaPolicy, at('2026-11-24T10:57:00Z'))).toEqual(
      slaStatus(reply, defaultSlaPolicy, at('2026-12-24T10:57:00Z')),
    );
  });

  it('judges met against the business-hours due time but reports wall-clock response time', () => {
    const status = slaStatus(
      { postedAt: at('2026-11-20T17:00:00Z'), priority: 'normal', firstResponseAt: at('2026-11-23T08:55:00Z') },
      berlinOffice,
      at('2026-11-23T12:00:00Z'),
    );
    expect(status).toMatchObject({ state: 'met', responseMinutes: 63 * 60 + 55 });
  });

  it('counts a reply stamped before the post as instant', () => {
    expect(repliedAt('2026-11-24T10:41:00Z')).toMatchObject({ state: 'met', responseMinutes: 0 });
  });

  it('is not applicable for a mention closed without reply (no reply needed, spam), even if late', () => {
    const closed = slaStatus(
      { postedAt: posted, priority: 'normal', firstResponseAt: null, closedAt: at('2026-11-24T13:00:00Z') },
      defaultSlaPolicy,
      at('2026-11-24T15:00:00Z'),
    );
    expect(closed).toMatchObject({ state: 'not_applicable', responseMinutes: null, minutesLeft: -78 });
  });

  it('prefers the reply when a mention was answered and then closed', () => {
    const status = slaStatus(
      { postedAt: posted, priority: 'normal', firstResponseAt: at('2026-11-24T10:50:00Z'), closedAt: at('2026-11-24T11:00:00Z') },
      defaultSlaPolicy,
      at('2026-11-24T15:00:00Z'),
    );
    expect(status.state).toBe('met');
  });
});

describe('formatSlaLine', () => {
  it('writes each state for the card', () => {
    expect(formatSlaLine(open('2026-11-24T10:54:00Z'), at('2026-11-24T10:54:00Z'))).toBe('due 11:42 · 48 min left');
    expect(formatSlaLine(open('2026-11-24T11:30:00Z'), at('2026-11-24T11:30:00Z'))).toBe('at risk · due 11:42 · 12 min left');
    expect(formatSlaLine(open('2026-11-24T11:49:00Z'), at('2026-11-24T11:49:00Z'))).toBe('overdue by 7 min (due 11:42)');
    expect(formatSlaLine(repliedAt('2026-11-24T10:56:00Z'), at('2026-11-24T15:00:00Z'))).toBe('met · replied in 14 min');
    expect(formatSlaLine(repliedAt('2026-11-24T11:55:00Z'), at('2026-11-24T15:00:00Z'))).toBe('missed · replied in 73 min');
    const closed = slaStatus(
      { postedAt: posted, priority: 'normal', firstResponseAt: null, closedAt: at('2026-11-24T11:00:00Z') },
      defaultSlaPolicy,
      at('2026-11-24T11:00:00Z'),
    );
    expect(formatSlaLine(closed, at('2026-11-24T11:00:00Z'))).toBe('closed without reply · no SLA');
  });

  it('shows times in the given zone', () => {
    expect(formatSlaLine(open('2026-11-24T10:54:00Z'), at('2026-11-24T10:54:00Z'), 'Europe/Berlin')).toBe(
      'due 12:42 · 48 min left',
    );
  });

  it('names the day when the due time is not today in that zone', () => {
    const friday = slaStatus(
      { postedAt: at('2026-11-20T17:00:00Z'), priority: 'normal', firstResponseAt: null },
      berlinOffice,
      at('2026-11-21T12:00:00Z'),
    );
    expect(formatSlaLine(friday, at('2026-11-21T12:00:00Z'), 'Europe/Berlin')).toBe('due Mon 10:00 · 45 h left');
    const late = slaStatus({ postedAt: posted, priority: 'normal', firstResponseAt: null }, defaultSlaPolicy, at('2026-12-02T12:00:00Z'));
    expect(formatSlaLine(late, at('2026-12-02T12:00:00Z'))).toBe('overdue by 8 d (due 24 Nov 11:42)');
  });

  it('rejects an unknown zone', () => {
    expect(() => formatSlaLine(open('2026-11-24T10:54:00Z'), at('2026-11-24T10:54:00Z'), 'Nowhere/City')).toThrow(
      /Unknown time zone "Nowhere\/City"/,
    );
  });
});

describe('formatMinutes', () => {
  it('keeps minutes up to two hours, then hours, then days', () => {
    expect(formatMinutes(0)).toBe('0 min');
    expect(formatMinutes(119)).toBe('119 min');
    expect(formatMinutes(120)).toBe('2 h');
    expect(formatMinutes(135)).toBe('2 h 15 min');
    expect(formatMinutes(48 * 60)).toBe('2 d');
    expect(formatMinutes(3 * 24 * 60 + 4 * 60 + 59)).toBe('3 d 4 h');
  });
});

describe('parseSlaOverrides', () => {
  it('parses targets per priority', () => {
    expect(parseSlaOverrides('high=30/20,low=120/90')).toEqual({
      high: { firstResponseMinutes: 30, warnMinutes: 20 },
      low: { firstResponseMinutes: 120, warnMinutes: 90 },
    });
  });

  it('tolerates spaces and case, and defaults a missing warning to three quarters of the target', () => {
    expect(parseSlaOverrides(' High = 30 / 20 , normal=45 ')).toEqual({
      high: { firstResponseMinutes: 30, warnMinutes: 20 },
      normal: { firstResponseMinutes: 45, warnMinutes: 33 },
    });
  });

  it('reads an empty spec as no overrides', () => {
    expect(parseSlaOverrides('')).toEqual({});
    expect(parseSlaOverrides('  ')).toEqual({});
  });

  it('names every problem in one error', () => {
    expect(() => parseSlaOverrides('urgent=30/20')).toThrow(/unknown priority "urgent" \(use high, normal, low\)/);
    expect(() => parseSlaOverrides('high=30/30')).toThrow(/the warning \(30 min\) must come before the target \(30 min\)/);
    expect(() => parseSlaOverrides('high=0/0')).toThrow(/at least 1 minute/);
    expect(() => parseSlaOverrides('high=30/20,high=15/10')).toThrow(/high is given twice/);
    expect(() => parseSlaOverrides('high:30')).toThrow(/"high:30" is not priority=minutes\/warnMinutes/);
    expect(() => parseSlaOverrides('high=-5/2')).toThrow(/is not priority=minutes/);
    expect(() => parseSlaOverrides('high=30/20,')).toThrow(/"" is not priority=minutes/);
    let message = '';
    try {
      parseSlaOverrides('urgent=1/0,low=abc');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'Invalid SLA overrides "urgent=1/0,low=abc": "urgent=1/0": unknown priority "urgent" (use high, normal, low); ' +
        '"low=abc" is not priority=minutes/warnMinutes; expected e.g. "high=30/20,low=120/90"',
    );
  });
});
