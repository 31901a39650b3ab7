import type { webApi } from '@slack/bolt';
import type { TeamAction } from '../permissions.js';
import type { ListenerDeps } from './deps.js';
import { tellUser } from './respond.js';

/**
 * The team check in front of every action: runs after the ack, before anything is read or changed.
 * Someone outside the team gets the refusal as an ephemeral message and `undefined` back; the
 * caller then does nothing at all.
 */
export async function teamOnly(
  deps: Pick<ListenerDeps, 'permissions' | 'logger'>,
  ctx: { client: webApi.WebClient; channel: string | undefined; user: string },
  action: TeamAction,
): Promise<{ isLead: boolean } | undefined> {
  const verdict = await deps.permissions.check(ctx.user, action);
  if (verdict.ok) return { isLead: verdict.isLead };
  await tellUser(ctx.client, ctx.channel, ctx.user, verdict.message, deps.logger);
  return undefined;
}
