import type { App, ViewSubmitAction } from '@slack/bolt';
import { decodeMeta } from '../../blocks/modals.js';
import { INPUT, VIEW } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser } from '../respond.js';

export function registerCloseSubmit(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.close, async ({ ack, body, view, client }) => {
    const v = view.state.values;
    const kind = v[INPUT.closeKind.block]?.[INPUT.closeKind.action]?.selected_option?.value === 'spam' ? 'spam' : 'no_reply_needed';
    const reason = (v[INPUT.closeReason.block]?.[INPUT.closeReason.action]?.value ?? '').trim();
    if (reason.length < 2) {
      await ack({ response_action: 'errors', errors: { [INPUT.closeReason.block]: 'Give a short reason; it stays on record.' } });
      return;
    }
    await ack();
    const meta = decodeMeta(view.private_metadata);
    if (!meta) return;
    await runForUser({ client, channel: meta.channel, user: body.user.id, logger: deps.logger, ids: { mentionId: meta.mentionId } }, async () => {
      if (!(await teamOnly(deps, { client, channel: meta.channel, user: body.user.id }, 'close'))) return;
      await deps.triage.closeWithoutReply(meta.mentionId, body.user.id, kind, reason);
    });
  });
}
