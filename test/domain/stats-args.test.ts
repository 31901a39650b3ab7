import { describe, expect, it } from 'vitest';
import { parseStatsArgs, userIdOf, type StatsCommand } from '../../src/domain/stats-args.js';
import { startOfDay, statsWindow } from '../../src/domain/stats-window.js';

const team = { kind: 'team' } as const;

describe('parseStatsArgs', () => {
  it.each<[string, StatsCommand]>([
    ['', { kind: 'stats', period: '7d', who: team }],
    ['   ', { kind: 'stats', period: '7d', who: team }],
    ['today', { kind: 'stats', period: 'today', who: team }],
    ['24h', { kind: 'stats', period: '24h', who: team }],
    ['7D', { kind: 'stats', period: '7d', who: team }],
    ['30d', { kind: 'stats', period: '30d', who: team }],
    ['90d', { kind: 'stats', period: '90d', who: team }],
    ['week', { kind: 'stats', period: '7d', who: team }],
    ['me', { kind: 'stats', period: '7d', who: { kind: 'me' } }],
    ['30d me', { kind: 'stats', period: '30d', who: { kind: 'me' } }],
    ['me 30d', { kind: 'stats', period: '30d', who: { kind: 'me' } }],
    ['<@U123ABC|jane> 24h', { kind: 'stats', period: '24h', who: { kind: 'user', id: 'U123ABC' } }],
    ['7d <@U123ABC>', { kind: 'stats', period: '7d', who: { kind: 'user', id: 'U123ABC' } }],
    ['7d <@W0ENTERPRISE|jane.doe>', { kind: 'stats', period: '7d', who: { kind: 'user', id: 'W0ENTERPRISE' } }],
    ['&lt;@U123ABC|jane&gt;', { kind: 'stats', period: '7d', who: { kind: 'user', id: 'U123ABC' } }],
    ['export', { kind: 'export', period: '30d', who: team }],
    ['export 30d', { kind: 'export', period: '30d', who: team }],
    ['EXPORT 7d me', { kind: 'export', period: '7d', who: { kind: 'me' } }],
    ['export 90d <@U9|bob>', { kind: 'export', period: '90d', who: { kind: 'user', id: 'U9' } }],
    ['help', { kind: 'help' }],
    ['30d help', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseStatsArgs(text)).toEqual(expected);
  });

  it.each([
    ['yesterday', /don’t know “yesterday”/],
    ['14d', /don’t know “14d”/],
    ['7d 30d', /one period/],
    ['me <@U1|x>', /one person/],
    ['30d export', /put “export” first/],
    ['@jane', /can’t tell who “@jane” is.*mention/],
    ['30d @jane.doe', /can’t tell who “@jane.doe”/],
    ['<!channel>', /don’t know/],
    ['<#C123|general>', /don’t know/],
  ])('%j is refused with a reason', (text, reason) => {
    const r = parseStatsArgs(text);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.problem).toMatch(reason);
  });

  it('names the person to report on', () => {
    expect(userIdOf({ kind: 'team' }, 'UASK')).toBeUndefined();
    expect(userIdOf({ kind: 'me' }, 'UASK')).toBe('UASK');
    expect(userIdOf({ kind: 'user', id: 'U9' }, 'UASK')).toBe('U9');
  });
});

describe('statsWindow', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  it('rolling periods end now and compare with the equal period before', () => {
    expect(statsWindow('24h', now, 'UTC')).toMatchObject({
      from: new Date('2026-03-09T12:00:00Z'),
      to: now,
      prevFrom: new Date('2026-03-08T12:00:00Z'),
      prevTo: new Date('2026-03-09T12:00:00Z'),
    });
    const w30 = statsWindow('30d', now, 'UTC');
    expect(w30.from).toEqual(new Date('2026-02-08T12:00:00Z'));
    expect(w30.prevFrom).toEqual(new Date('2026-01-09T12:00:00Z'));
    expect(statsWindow('90d', now, 'UTC').from).toEqual(new Date('2025-12-10T12:00:00Z'));
  });

  it('a rolling period starts on the whole hour at or before its length ago (what the rollups count in)', () => {
    const at = new Date('2026-03-10T12:37:45.123Z');
    expect(statsWindow('24h', at, 'Asia/Kathmandu')).toEqual({
      period: '24h',
      from: new Date('2026-03-09T12:00:00Z'),
      to: at,
      prevFrom: new Date('2026-03-08T12:00:00Z'),
      prevTo: new Date('2026-03-09T12:00:00Z'),
      timeZone: 'Asia/Kathmandu',
    });
    const w = statsWindow('30d', at, 'UTC');
    expect(w.to.getTime() - w.from.getTime()).toBe(30 * 24 * 3_600_000 + (37 * 60 + 45) * 1000 + 123);
    expect(w.prevTo.getTime() - w.prevFrom.getTime()).toBe(30 * 24 * 3_600_000);
  });

  it('today starts at midnight in the team’s zone and compares with yesterday up to the same time', () => {
    const w = statsWindow('today', now, 'America/New_York'); // 08:00 EDT (DST began on 8 March)
    expect(w.from).toEqual(new Date('2026-03-10T04:00:00Z'));
    expect(w.prevFrom).toEqual(new Date('2026-03-09T04:00:00Z'));
    expect(w.prevTo).toEqual(new Date('2026-03-09T12:00:00Z'));
    const utc = statsWindow('today', now, 'UTC');
    expect(utc.from).toEqual(new Date('2026-03-10T00:00:00Z'));
    expect(utc.prevTo).toEqual(new Date('2026-03-09T12:00:00Z'));
  });

  it('finds midnight across a DST change (a 23-hour day)', () => {
    expect(startOfDay(new Date('2026-03-08T20:00:00Z'), 'America/New_York')).toEqual(new Date('2026-03-08T05:00:00Z'));
    expect(startOfDay(new Date('2026-03-09T03:59:00Z'), 'America/New_York')).toEqual(new Date('2026-03-08T05:00:00Z'));
  });
});
