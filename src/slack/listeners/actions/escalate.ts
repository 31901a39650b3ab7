import type { App, BlockButtonAction } from '@slack/bolt';
import { getMention } from '../../../db/mentions.js';
import { factsOf, isOpen, mayEscalate } from '../../../domain/lifecycle.js';
import { escalateModal } from '../../blocks/modals.js';
import { ACTION } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser, tellUser } from '../respond.js';

export function registerEscalate(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTION.escalate, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    const mentionId = Number(action.value);
    await runForUser({ client, channel, user: body.user.id, logger: deps.logger, ids: { mentionId } }, async () => {
      if (!(await teamOnly(deps, { client, channel, user: body.user.id }, 'escalate'))) return;
      const m = await getMention(deps.db, mentionId);
      if (!m || !isOpen(m.status)) return tellUser(client, channel, body.user.id, 'This mention is already closed.', deps.logger);
      if (!mayEscalate(factsOf(m))) {
        return tellUser(client, channel, body.user.id, `Already escalated by <@${m.escalated_by}>.`, deps.logger);
      }
      await client.views.open({ trigger_id: body.trigger_id, view: escalateModal(m, { mentionId, channel }) });
    });
  });
}
