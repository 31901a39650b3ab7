import { z } from 'zod';
import { defineArea } from './area.js';
import { allValid, checked, decimal, httpUrl, oneOf, problem, required, text } from './fields.js';

export interface SlackConfig {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  mode: 'socket' | 'http';
  apiUrl?: string;
  triageChannel: string;
  escalationChannel: string;
  respondersGroup?: string;
  leadsGroup?: string;
  /** chat.postMessage pace per channel; Slack allows about one a second with short bursts. */
  postsPerSecond: number;
}

const channelId = /^[CGD][A-Z0-9]{2,}$/;
const groupId = /^S[A-Z0-9]{2,}$/;
const channel = checked((v) => channelId.test(v), 'must be a channel id such as C0123ABCD');
const group = checked((v) => groupId.test(v), 'must be a user group id such as S0123ABCD');

const schema = z
  .object({
    SLACK_BOT_TOKEN: required('required: the bot token (xoxb-…) from your Slack app’s “OAuth & Permissions” page', {
      test: (v) => v.startsWith('xoxb-'),
      message: 'must be a bot token starting with xoxb-',
    }),
    SLACK_APP_TOKEN: checked((v) => v.startsWith('xapp-'), 'must be an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)'),
    SLACK_SIGNING_SECRET: text,
    SLACK_MODE: oneOf(['socket', 'http'], 'must be "socket" or "http"'),
    SLACK_API_URL: httpUrl,
    SLACK_TRIAGE_CHANNEL: required('required: the id of the channel where mention cards are posted (e.g. C0123ABCD; channel details → bottom of the About tab)', {
      test: (v) => channelId.test(v),
      message: 'must be a channel id such as C0123ABCD, not a name',
    }),
    SLACK_ESCALATION_CHANNEL: channel,
    SLACK_RESPONDERS_GROUP: group,
    SLACK_LEADS_GROUP: group,
    SLACK_POSTS_PER_SECOND: decimal(1, 0.05, 100),
  })
  .superRefine((e, ctx) => {
    if (!allValid(ctx, 'SLACK_MODE')) return;
    const mode = modeOf(e);
    if (mode === 'socket' && !e.SLACK_APP_TOKEN) {
      problem(ctx, 'SLACK_APP_TOKEN', 'required in Socket Mode (SLACK_MODE=socket): an app-level token xapp-… with connections:write');
    }
    if (mode === 'http' && !e.SLACK_SIGNING_SECRET) {
      problem(ctx, 'SLACK_SIGNING_SECRET', 'required in HTTP mode (Basic Information → App Credentials → Signing Secret); or set SLACK_APP_TOKEN to use Socket Mode');
    }
  })
  .transform((e): { slack: SlackConfig } => ({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      mode: modeOf(e),
      apiUrl: e.SLACK_API_URL,
      triageChannel: e.SLACK_TRIAGE_CHANNEL,
      escalationChannel: e.SLACK_ESCALATION_CHANNEL ?? e.SLACK_TRIAGE_CHANNEL,
      respondersGroup: e.SLACK_RESPONDERS_GROUP,
      leadsGroup: e.SLACK_LEADS_GROUP,
      postsPerSecond: e.SLACK_POSTS_PER_SECOND,
    },
  }));

/** SLACK_MODE, else Socket Mode when an app token is set, else HTTP. */
function modeOf(e: { SLACK_MODE?: 'socket' | 'http' | undefined; SLACK_APP_TOKEN?: string | undefined }): 'socket' | 'http' {
  return e.SLACK_MODE ?? (e.SLACK_APP_TOKEN ? 'socket' : 'http');
}

export const slackArea = defineArea({
  schema,
  secrets: ({ slack }) => [slack.botToken, slack.appToken, slack.signingSecret],
});
