import { describe, it, expect } from 'vitest';
import { addBusinessMinutes, assertTimeZone, parseBusinessHours } from '../../src/domain/business-hours.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

// 20 Nov 2026 is a Friday; Berlin is on CET (UTC+1) then.
const berlinOffice = parseBusinessHours('Mon-Fri 09:00-17:00', 'Europe/Berlin');

describe('addBusinessMinutes', () => {
  it('adds plainly inside hours', () => {
    expect(iso(addBusinessMinutes(at('2026-11-24T09:00:00Z'), 60, berlinOffice))).toBe('2026-11-24T10:00:00.000Z');
  });

  it('pauses over the weekend: Friday 18:00 + 60 min is Monday 10:00', () => {
    expect(iso(addBusinessMinutes(at('2026-11-20T17:00:00Z'), 60, berlinOffice))).toBe('2026-11-23T09:00:00.000Z');
  });

  it('splits a target across the weekend: Friday 16:30 + 60 min is Monday 09:30', () => {
    expect(iso(addBusinessMinutes(at('2026-11-20T15:30:00Z'), 60, berlinOffice))).toBe('2026-11-23T08:30:00.000Z');
  });

  it('is due at closing time when the target runs out exactly then', () => {
    expect(iso(addBusinessMinutes(at('2026-11-20T15:00:00Z'), 60, berlinOffice))).toBe('2026-11-20T16:00:00.000Z');
  });

  it('pauses overnight: Tuesday 17:30 + 60 min is Wednesday 10:00', () => {
    expect(iso(addBusinessMinutes(at('2026-11-24T16:30:00Z'), 60, berlinOffice))).toBe('2026-11-25T09:00:00.000Z');
  });

  it('starts the clock at opening for a post made before hours or on a weekend', () => {
    expect(iso(addBusinessMinutes(at('2026-11-25T06:00:00Z'), 60, berlinOffice))).toBe('2026-11-25T09:00:00.000Z');
    expect(iso(addBusinessMinutes(at('2026-11-21T11:00:00Z'), 60, berlinOffice))).toBe('2026-11-23T09:00:00.000Z');
    expect(iso(addBusinessMinutes(at('2026-11-21T11:00:00Z'), 0, berlinOffice))).toBe('2026-11-23T08:00:00.000Z');
  });

  it('follows the zone’s DST change between Friday and Monday (New York, 8 March 2026)', () => {
    const newYork = parseBusinessHours('Mon-Fri 09:00-17:00', 'America/New_York');
    // Friday 16:30 EST (UTC-5) + 60 min → Monday 09:30 EDT (UTC-4).
    expect(iso(addBusinessMinutes(at('2026-03-06T21:30:00Z'), 60, newYork))).toBe('2026-03-09T13:30:00.000Z');
  });

  it('does not count the skipped spring-forward hour (Berlin, 29 March 2026, 02:00 → 03:00)', () => {
    const nights = parseBusinessHours('Mon-Sun 01:00-04:00', 'Europe/Berlin');
    // That night's window 01:00 CET – 04:00 CEST lasts two real hours, not three.
    const opening = at('2026-03-29T00:00:00Z');
    expect(iso(addBusinessMinutes(opening, 90, nights))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(iso(addBusinessMinutes(opening, 120, nights))).toBe('2026-03-29T02:00:00.000Z'); // closing, 04:00 CEST
    // 150 min: 120 that night, the last 30 from Monday's 01:00 CEST opening.
    expect(iso(addBusinessMinutes(opening, 150, nights))).toBe('2026-03-29T23:30:00.000Z');
  });

  it('counts the repeated fall-back hour once each time it passes (Berlin, 25 October 2026)', () => {
    const nights = parseBusinessHours('Mon-Sun 01:00-04:00', 'Europe/Berlin');
    // 01:00 CEST (23:00Z) – 04:00 CET (03:00Z): four real hours.
    expect(iso(addBusinessMinutes(at('2026-10-24T23:00:00Z'), 210, nights))).toBe('2026-10-25T02:30:00.000Z');
    expect(iso(addBusinessMinutes(at('2026-10-24T23:00:00Z'), 240, nights))).toBe('2026-10-25T03:00:00.000Z');
  });

  it('supports overnight windows, including one that opened the day before', () => {
    const nightShift = parseBusinessHours('Mon-Fri 22:00-06:00', 'UTC');
    // Saturday 03:00 is still inside Friday's shift.
    expect(iso(addBusinessMinutes(at('2026-11-21T03:00:00Z'), 60, nightShift))).toBe('2026-11-21T04:00:00.000Z');
    // Saturday 05:30: 30 min left of Friday's shift, the rest from Monday 22:00.
    expect(iso(addBusinessMinutes(at('2026-11-21T05:30:00Z'), 60, nightShift))).toBe('2026-11-23T22:30:00.000Z');
  });

  it('treats 00:00-24:00 as whole days', () => {
    const weekdays = parseBusinessHours('Mon-Fri 00:00-24:00', 'UTC');
    expect(iso(addBusinessMinutes(at('2026-11-20T23:30:00Z'), 60, weekdays))).toBe('2026-11-23T00:30:00.000Z');
  });

  it('refuses hand-built hours that never open', () => {
    expect(() => addBusinessMinutes(at('2026-11-20T10:00:00Z'), 60, { ...berlinOffice, days: [] })).toThrow(
      /Invalid business hours/,
    );
    expect(() => addBusinessMinutes(at('2026-11-20T10:00:00Z'), 60, { ...berlinOffice, days: [8] })).toThrow(
      /no open time/,
    );
  });
});

describe('parseBusinessHours', () => {
  it('parses the common form', () => {
    expect(parseBusinessHours('Mon-Fri 09:00-17:30', 'Europe/Berlin')).toEqual({
      timeZone: 'Europe/Berlin',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:30',
    });
  });

  it('accepts lists, full names, wrapping ranges, one-digit hours, en dashes and 24:00', () => {
    expect(parseBusinessHours('sat,sun 10:00-14:00', 'UTC').days).toEqual([6, 7]);
    expect(parseBusinessHours('Fri-Mon 9:00-17:00', 'UTC')).toMatchObject({ days: [1, 5, 6, 7], start: '09:00' });
    expect(parseBusinessHours('Monday–Friday 08:00–24:00', 'UTC')).toMatchObject({ days: [1, 2, 3, 4, 5], end: '24:00' });
    expect(parseBusinessHours('Mon-Wed,Fri 22:00-06:00', 'UTC')).toMatchObject({ days: [1, 2, 3, 5], end: '06:00' });
  });

  it('names what is wrong', () => {
    expect(() => parseBusinessHours('Mon-Fri', 'UTC')).toThrow(/Invalid business hours "Mon-Fri": expected days then times/);
    expect(() => parseBusinessHours('Mox-Fri 09:00-17:00', 'UTC')).toThrow(/"Mox-Fri" is not a day or day range/);
    expect(() => parseBusinessHours('Mon-Fri 25:00-17:00', 'UTC')).toThrow(/start "25:00" is not a time/);
    expect(() => parseBusinessHours('Mon-Fri 09:00-17:60', 'UTC')).toThrow(/end "17:60" is not a time/);
    expect(() => parseBusinessHours('Mon-Fri 09:00-09:00', 'UTC')).toThrow(/start and end are the same time/);
    expect(() => parseBusinessHours('Mon-Fri-Sat 09:00-17:00', 'UTC')).toThrow(/not a day or day range/);
  });

  it('validates the time zone with Intl', () => {
    expect(() => parseBusinessHours('Mon-Fri 09:00-17:00', 'Mars/Olympus_Mons')).toThrow(
      'Unknown time zone "Mars/Olympus_Mons": use an IANA name such as "Europe/Berlin" or "UTC"',
    );
    expect(() => parseBusinessHours('Mon-Fri 09:00-17:00', ' ')).toThrow(/Missing time zone/);
  });
});

describe('assertTimeZone', () => {
  it('returns the canonical name', () => {
    expect(assertTimeZone('America/New_York')).toBe('America/New_York');
  });
});
