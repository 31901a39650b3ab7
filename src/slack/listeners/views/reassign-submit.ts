import type { App, ViewSubmitAction } from '@slack/bolt';
import { decodeMeta } from '../../blocks/modals.js';
import { INPUT, VIEW } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { runForUser } from '../respond.js';

export function registerReassignSubmit(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.reassign, async ({ ack, body, view, client }) => {
    const to = view.state.values[INPUT.reassignUser.block]?.[INPUT.reassignUser.action]?.selected_user;
    if (!to) {
      await ack({ response_action: 'errors', errors: { [INPUT.reassignUser.block]: 'Choose who takes it over.' } });
      return;
    }
    await ack();
    const meta = decodeMeta(view.private_metadata);
    if (!meta) return;
    const user = body.user.id;
    await runForUser({ client, channel: meta.channel, user, logger: deps.logger, ids: { mentionId: meta.mentionId, to } }, async () => {
      await deps.triage.reassign(meta.mentionId, user, to, { isLead: await deps.permissions.isLead(user) });
    });
  });
}
