import type { App, BlockOverflowAction } from '@slack/bolt';
import { getMention } from '../../../db/mentions.js';
import { closeModal, reassignModal } from '../../blocks/modals.js';
import { ACTION, MORE, type MoreChoice } from '../../ids.js';
import type { TeamAction } from '../../permissions.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser, tellUser } from '../respond.js';

const ACTION_OF: Partial<Record<MoreChoice, TeamAction>> = {
  [MORE.release]: 'release',
  [MORE.resolve]: 'resolve',
  [MORE.reassign]: 'reassign',
  [MORE.noReply]: 'close',
};

/** The card's overflow menu: Release, Reassign…, Resolve, No reply needed…. */
export function registerMore(app: App, deps: ListenerDeps): void {
  app.action<BlockOverflowAction>(ACTION.more, async ({ ack, body, action, client }) => {
    await ack();
    const [choice, id] = action.selected_option.value.split(':') as [MoreChoice, string];
    const mentionId = Number(id);
    const user = body.user.id;
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    await runForUser({ client, channel, user, logger: deps.logger, ids: { mentionId, choice } }, async () => {
      const allowed = await teamOnly(deps, { client, channel, user }, ACTION_OF[choice] ?? 'close');
      if (!allowed) return;
      switch (choice) {
        case MORE.release:
          await deps.triage.release(mentionId, user, { isLead: allowed.isLead });
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
