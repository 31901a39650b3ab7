import type { App, BlockButtonAction } from '@slack/bolt';
import { isEarshotError } from '../../../errors.js';
import { ACTION } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser } from '../respond.js';

export function registerClaim(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTION.claim, async ({ ack, body, action, client }) => {
    await ack();
    const mentionId = Number(action.value);
    const user = body.user.id;
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    await runForUser({ client, channel, user, logger: deps.logger, ids: { mentionId } }, async () => {
      if (!(await teamOnly(deps, { client, channel, user }, 'claim'))) return;
      try {
        await deps.triage.claim(mentionId, user);
        deps.metrics.claims.inc();
      } catch (err) {
        if (isEarshotError(err, 'already_claimed')) deps.metrics.claimConflicts.inc();
        throw err;
      }
    });
  });
}
