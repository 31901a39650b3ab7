import type { App, BlockOverflowAction } from '@slack/bolt';
import { getMention } from '../../../db/mentions.js';
import { closeModal, reassignModal } from '../../blocks/modals.js';
import { ACTION, MORE, type MoreChoice } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { runForUser, tellUser } from '../respond.js';

/** The card's overflow menu: Release, Reassign…, Resolve, No reply needed…. */
export function registerMore(app: App, deps: ListenerDeps): void {
  app.action<BlockOverflowAction>(ACTION.more, async ({ ack, body, action, client }) => {
    await ack();
    const [choice, id] = action.selected_option.value.split(':') as [MoreChoice, string];
    const mentionId = Number(id);
    const user = body.user.id;
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    await runForUser({ client, channel, user, logger: deps.logger, ids: { mentionId, choice } }, async () => {
      switch (choice) {
        case MORE.release:
          await deps.triage.release(mentionId, user, { isLead: await deps.permissions.isLead(user) });
          return;
        case MORE.resolve:
          await deps.triage.resolve(mentionId, user);
          return;
        case MORE.reassign:
        case MORE.noReply: {
          const m = await getMention(deps.db, mentionId);
          if (!m) return tellUser(client, channel, user, 'That mention no longer exists in earshot.', deps.logger);
          const view = choice === MORE.reassign ? reassignModal(m, { mentionId, channel }) : closeModal(m, { mentionId, channel });
          await client.views.open({ trigger_id: body.trigger_id, view });
          return;
        }
      }
    });
  });
}
