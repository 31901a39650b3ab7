import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { baseEnv, configProblems } from './support/config.js';

describe('Bluesky and Mastodon configuration', () => {
  it('both off by default', () => {
    const c = parseConfig(baseEnv);
    expect(c.bluesky).toEqual({ account: undefined, service: 'https://bsky.social', pollSeconds: 15 });
    expect(c.mastodon).toEqual({ account: undefined, pollSeconds: 15 });
  });

  it('lists their problems with every other area’s in one message', () => {
    const problems = configProblems({ ...baseEnv, SLACK_TRIAGE_CHANNEL: '', BLUESKY_HANDLE: 'brand.bsky.social', BLUESKY_POLL_SECONDS: '2', MASTODON_ACCESS_TOKEN: 'tok-123456', MASTODON_POLL_SECONDS: 'often' });
    expect(problems.some((p) => p.startsWith('SLACK_TRIAGE_CHANNEL:'))).toBe(true);
    expect(problems).toContain('BLUESKY_POLL_SECONDS: must be a whole number from 5 to 86400 (got "2")');
    expect(problems.some((p) => p.startsWith('BLUESKY_APP_PASSWORD: required with BLUESKY_HANDLE'))).toBe(true);
    expect(problems.some((p) => p.startsWith('MASTODON_URL: required with MASTODON_ACCESS_TOKEN'))).toBe(true);
    expect(problems.some((p) => p.startsWith('MASTODON_POLL_SECONDS:'))).toBe(true);
    // A problem names the variable, never a secret's value.
    expect(problems.join('\n')).not.toContain('tok-123456');
  });

  it('registers the app password and the access token for the log scrub', () => {
    const c = parseConfig({
      ...baseEnv,
      BLUESKY_HANDLE: '@brand.bsky.social',
      BLUESKY_APP_PASSWORD: 'abcd-efgh-ijkl-mnop',
      BLUESKY_SERVICE: 'http://127.0.0.1:9002/',
      MASTODON_URL: 'https://mastodon.example/',
      MASTODON_ACCESS_TOKEN: 'mastodon-token-0123456789',
    });
    expect(c.bluesky).toEqual({ account: { handle: 'brand.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop' }, service: 'http://127.0.0.1:9002', pollSeconds: 15 });
    expect(c.mastodon.account).toEqual({ url: 'https://mastodon.example', accessToken: 'mastodon-token-0123456789' });
    expect(c.secrets).toEqual(expect.arrayContaining(['abcd-efgh-ijkl-mnop', 'mastodon-token-0123456789']));
  });
});
