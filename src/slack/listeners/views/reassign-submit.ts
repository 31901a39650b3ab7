import type { App, ViewSubmitAction } from '@slack/bolt';
import { decodeMeta } from '../../blocks/modals.js';
import { INPUT, VIEW } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser, tellUser } from '../respond.js';

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
      const allowed = await teamOnly(deps, { client, channel: meta.channel, user }, 'reassign');
      if (!allowed) return;
      if (!(await deps.permissions.isTeamMember(to))) {
        await tellUser(client, meta.channel, user, `<@${to}> is not on the social team (${deps.permissions.describeResponders()}), so the mention was not handed over. Pick someone from the team.`, deps.logger);
        return;
      }
      await deps.triage.reassign(meta.mentionId, user, to, { isLead: allowed.isLead });
    });
  });
}
