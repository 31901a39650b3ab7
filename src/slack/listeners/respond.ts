import type { webApi } from '@slack/bolt';
import { isEarshotError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** Tells one person something in the channel, visible only to them. Never throws. */
export async function tellUser(client: webApi.WebClient, channel: string | undefined, user: string, text: string, logger: Logger, blocks?: unknown[]): Promise<void> {
  if (!channel) {
    logger.warn({ user }, 'no channel to answer in; message dropped: ' + text);
    return;
  }
  try {
    await client.chat.postEphemeral({ channel, user, text, ...(blocks ? { blocks: blocks as never } : {}) });
  } catch (err) {
    logger.warn({ user, channel, err: (err as Error).message }, 'could not send an ephemeral message');
  }
}

/**
 * Runs the work behind an interaction that was already acked. An EarshotError becomes a polite
 * ephemeral answer; anything else is logged with the ids that matter and the person is told.
 */
export async function runForUser(
  ctx: { client: webApi.WebClient; channel: string | undefined; user: string; logger: Logger; ids: Record<string, unknown> },
  work: () => Promise<void>,
): Promise<void> {
  // The ack is written already; let the event loop answer every other pending request before
  // this one's slower work (a burst of clicks is acked first, then processed).
  await new Promise<void>((resolve) => setImmediate(resolve));
  try {
    await work();
  } catch (err) {
    if (isEarshotError(err)) {
      await tellUser(ctx.client, ctx.channel, ctx.user, err.message, ctx.logger);
      return;
    }
    ctx.logger.error({ ...ctx.ids, user: ctx.user, err }, 'interaction failed');
    await tellUser(ctx.client, ctx.channel, ctx.user, ':warning: Something went wrong and nothing was changed. It has been logged; please try again in a moment.', ctx.logger);
  }
}
