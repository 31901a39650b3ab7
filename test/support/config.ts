import { ConfigError, parseConfig } from '../../src/config/index.js';

/** The smallest valid environment (Socket Mode), for config tests to add to. */
export const baseEnv = { SLACK_BOT_TOKEN: 'xoxb-1-abcdef', SLACK_APP_TOKEN: 'xapp-1-abcdef', SLACK_TRIAGE_CHANNEL: 'C0123ABCD' };

/** The problems parseConfig lists for `env` (none when it is valid). */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
