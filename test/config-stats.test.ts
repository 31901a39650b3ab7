import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { baseEnv } from './support/config.js';

const base = baseEnv;

describe('STATS_TIME_ZONE', () => {
  it('defaults to the SLA time zone, else UTC', () => {
    expect(parseConfig(base).stats.timeZone).toBe('UTC');
    expect(parseConfig({ ...base, SLA_TIME_ZONE: 'Europe/Berlin' }).stats.timeZone).toBe('Europe/Berlin');
    expect(parseConfig({ ...base, SLA_TIME_ZONE: 'Europe/Berlin', STATS_TIME_ZONE: 'America/New_York' }).stats.timeZone).toBe('America/New_York');
  });

  it('names a zone Intl does not know', () => {
    try {
      parseConfig({ ...base, STATS_TIME_ZONE: 'Mars/Olympus' });
      expect.fail('accepted an unknown zone');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^STATS_TIME_ZONE: Unknown time zone "Mars\/Olympus"/)]);
    }
  });
});
