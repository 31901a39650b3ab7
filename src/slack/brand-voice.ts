import type { webApi } from '@slack/bolt';
import { ConfigError, type Config } from '../config/index.js';
import type { Logger } from '../logger.js';

/**
 * A start-up check, not part of the config schema because it asks Slack: with the X user
 * credentials set, a reply posts on X as the brand; without a responders group everyone in the
 * triage channel may reply, so a public triage channel would let anyone who joins it speak as the
 * brand. That is a configuration problem, reported like one. A Slack that cannot be asked now is
 * logged and does not stop the start (the queue waits for Slack the same way).
 */
export async function checkBrandVoice(o: { client: webApi.WebClient; config: Config; logger: Logger }): Promise<void> {
  const { config } = o;
  if (!config.x.user || config.slack.respondersGroup) return;
  const channel = config.slack.triageChannel;
  let isPrivate: boolean | undefined;
  try {
    const r = await o.client.conversations.info({ channel });
    isPrivate = (r.channel as { is_private?: boolean } | undefined)?.is_private;
  } catch (err) {
    o.logger.warn(
      { channel, err: (err as Error).message },
      'could not check whether the triage channel is private; with the X user credentials set and no SLACK_RESPONDERS_GROUP, its members may reply as the brand',
    );
    return;
  }
  if (isPrivate !== false) return;
  throw new ConfigError([
    `SLACK_TRIAGE_CHANNEL (${channel}) is a public channel, the X user credentials (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET) are set and SLACK_RESPONDERS_GROUP is not: anyone who joins the channel could reply on X as the brand. Set SLACK_RESPONDERS_GROUP to the user group that may reply, or make the triage channel private (or leave out the X user credentials if replies should not go out from Slack).`,
  ]);
}
