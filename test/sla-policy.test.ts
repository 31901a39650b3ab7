import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { reminderAudienceFromConfig, reminderSettingsFromConfig, slaPolicyFromConfig } from '../src/sla-policy.js';
import { baseEnv, configProblems } from './support/config.js';

const base = baseEnv;

const problems = (env: Record<string, string>): string[] => configProblems({ ...base, ...env });

describe('the SLA configuration', () => {
  it('defaults: 60/45 round the clock, @here at the warning, repeats every 30 min up to 4, follow-up after 4 h, no release', () => {
    const config = parseConfig(base);
    expect(slaPolicyFromConfig(config)).toEqual({ default: { firstResponseMinutes: 60, warnMinutes: 45 }, byPriority: {}, businessHours: null });
    expect(reminderSettingsFromConfig(config)).toEqual({ repeatMinutes: 30, maxRepeats: 4, followUpMinutes: 240, releaseOnBreach: false });
    expect(reminderAudienceFromConfig(config)).toEqual({ warnMention: 'here', respondersGroup: undefined, leadsGroup: undefined });
    expect(config.sla.sweepCron).toBe('* * * * *');
  });

  it('pings the responders group at the warning by default when there is one', () => {
    expect(parseConfig({ ...base, SLACK_RESPONDERS_GROUP: 'SRESP01' }).sla.warnMention).toBe('responders');
    expect(parseConfig({ ...base, SLACK_RESPONDERS_GROUP: 'SRESP01', SLA_WARN_MENTION: 'none' }).sla.warnMention).toBe('none');
  });

  it('reads overrides, business hours with a zone, and the reminder settings', () => {
    const config = parseConfig({
      ...base,
      SLA_PRIORITY_OVERRIDES: 'high=30/20, low=120/90',
      SLA_BUSINESS_HOURS: 'Mon-Fri 09:00-17:30',
      SLA_TIME_ZONE: 'Europe/Berlin',
      SLA_WARN_MENTION: 'here',
      SLA_REPEAT_MINUTES: '15',
      SLA_MAX_REPEATS: '2',
      SLA_RELEASE_ON_BREACH: 'true',
      SLA_FOLLOW_UP_HOURS: '1.5',
      SLA_SWEEP_CRON: '*/30 * * * * *',
    });
    const policy = slaPolicyFromConfig(config);
    expect(policy.byPriority).toEqual({ high: { firstResponseMinutes: 30, warnMinutes: 20 }, low: { firstResponseMinutes: 120, warnMinutes: 90 } });
    expect(policy.businessHours).toEqual({ timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' });
    expect(reminderSettingsFromConfig(config)).toEqual({ repeatMinutes: 15, maxRepeats: 2, followUpMinutes: 90, releaseOnBreach: true });
  });

  it('lists every problem at once', () => {
    const found = problems({
      SLA_PRIORITY_OVERRIDES: 'urgent=10/5,high=30/40',
      SLA_BUSINESS_HOURS: 'Weekdays 9-5',
      SLA_TIME_ZONE: 'Mars/Olympus',
      SLA_WARN_MENTION: 'responders',
      SLA_REPEAT_MINUTES: '0',
      SLA_MAX_REPEATS: 'many',
      SLA_RELEASE_ON_BREACH: 'maybe',
      SLA_FOLLOW_UP_HOURS: '-1',
      SLA_SWEEP_CRON: '61 * * * *',
    });
    const names = found.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'SLA_PRIORITY_OVERRIDES',
        'SLA_TIME_ZONE',
        'SLA_WARN_MENTION',
        'SLA_REPEAT_MINUTES',
        'SLA_MAX_REPEATS',
        'SLA_RELEASE_ON_BREACH',
        'SLA_FOLLOW_UP_HOURS',
        'SLA_SWEEP_CRON',
      ]),
    );
    const overrides = found.find((p) => p.startsWith('SLA_PRIORITY_OVERRIDES'))!;
    expect(overrides).toContain('unknown priority "urgent"');
    expect(overrides).toContain('the warning (40 min) must come before the target (30 min)');
    expect(found.find((p) => p.startsWith('SLA_WARN_MENTION'))).toContain('SLACK_RESPONDERS_GROUP');
  });

  it('names a bad business-hours spec once the zone is valid', () => {
    expect(problems({ SLA_BUSINESS_HOURS: 'Weekdays 9-5', SLA_TIME_ZONE: 'Europe/Berlin' })).toEqual([
      expect.stringMatching(/^SLA_BUSINESS_HOURS: Invalid business hours "Weekdays 9-5"/),
    ]);
  });
});
