import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { baseEnv, configProblems } from './support/config.js';
import { defaultPriorityRules } from '../src/domain/priority.js';

const base = baseEnv;
const problems = configProblems;

describe('X and priority configuration', () => {
  it('defaults: poll mode, no retweets, nothing muted, 24 h backfill, the domain’s priority rules', () => {
    const c = parseConfig(base);
    expect(c.x).toMatchObject({ mode: 'poll', includeRetweets: false, mutedHandles: [], mutedWords: [], backfillHours: 24 });
    expect(c.priority).toEqual(defaultPriorityRules);
  });

  it('reads comma-separated mute lists and the priority thresholds', () => {
    const c = parseConfig({
      ...base,
      X_BEARER_TOKEN: 'bearer-token',
      X_BRAND_USERNAME: '@Acme',
      X_MODE: 'stream',
      X_INCLUDE_RETWEETS: 'TRUE',
      X_MUTED_HANDLES: ' @SpamBot , other,, ',
      X_MUTED_WORDS: 'giveaway, crypto airdrop',
      X_BACKFILL_HOURS: '0',
      PRIORITY_HIGH_FOLLOWERS: '50000',
      PRIORITY_LOW_FOLLOWERS: '5000',
      PRIORITY_NEGATIVE_AT: '-0.2',
      PRIORITY_STRONG_NEGATIVE_AT: '-0.6',
      PRIORITY_POSITIVE_AT: '0.3',
      PRIORITY_HIGH_AT: '4',
    });
    expect(c.x).toMatchObject({ brandUsername: 'Acme', mode: 'stream', includeRetweets: true, mutedHandles: ['spambot', 'other'], mutedWords: ['giveaway', 'crypto airdrop'], backfillHours: 0 });
    expect(c.priority).toEqual({ highFollowers: 50_000, lowFollowers: 5000, negativeAt: -0.2, strongNegativeAt: -0.6, positiveAt: 0.3, highAt: 4 });
  });

  it('names each bad value', () => {
    const p = problems({
      ...base,
      X_MODE: 'firehose',
      X_INCLUDE_RETWEETS: 'sometimes',
      X_BACKFILL_HOURS: '500',
    });
    expect(p.join('\n')).toMatch(/X_MODE: must be "poll" or "stream"/);
    expect(p.join('\n')).toMatch(/X_INCLUDE_RETWEETS: must be true or false/);
    expect(p.join('\n')).toMatch(/X_BACKFILL_HOURS: must be a whole number from 0 to 168/);
    const cross = problems({ ...base, PRIORITY_LOW_FOLLOWERS: '20000', PRIORITY_NEGATIVE_AT: '0.5' }).join('\n');
    expect(cross).toMatch(/PRIORITY_LOW_FOLLOWERS: must be less than PRIORITY_HIGH_FOLLOWERS/);
    expect(cross).toMatch(/strong negative ≤ negative < positive/);
    expect(problems({ ...base, X_MODE: 'stream' }).join('\n')).toMatch(/X_BEARER_TOKEN: required with X_MODE=stream/);
  });
});
