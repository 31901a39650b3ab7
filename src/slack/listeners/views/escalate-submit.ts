import type { App, ViewSubmitAction } from '@slack/bolt';
import type { EscalationCategory, Severity } from '../../../services/triage.js';
import { decodeMeta } from '../../blocks/modals.js';
import { INPUT, VIEW } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser } from '../respond.js';

const CATEGORIES: EscalationCategory[] = ['isolated', 'policy', 'procedural'];
const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];

export function registerEscalateSubmit(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.escalate, async ({ ack, body, view, client }) => {
    const v = view.state.values;
    const reason = (v[INPUT.escalateReason.block]?.[INPUT.escalateReason.action]?.value ?? '').trim();
    const category = v[INPUT.escalateCategory.block]?.[INPUT.escalateCategory.action]?.selected_option?.value as EscalationCategory | undefined;
    const severity = (v[INPUT.escalateSeverity.block]?.[INPUT.escalateSeverity.action]?.selected_option?.value ?? 'medium') as Severity;
    const errors: Record<string, string> = {};
    if (reason.length < 3) errors[INPUT.escalateReason.block] = 'Say what a lead should look at.';
    if (!category || !CATEGORIES.includes(category)) errors[INPUT.escalateCategory.block] = 'Choose whether this is an isolated case or a policy or procedural problem.';
    if (!SEVERITIES.includes(severity)) errors[INPUT.escalateSeverity.block] = 'Choose a severity.';
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const meta = decodeMeta(view.private_metadata);
    if (!meta || !category) return;
    await runForUser({ client, channel: meta.channel, user: body.user.id, logger: deps.logger, ids: { mentionId: meta.mentionId } }, async () => {
      if (!(await teamOnly(deps, { client, channel: meta.channel, user: body.user.id }, 'escalate'))) return;
      await deps.triage.escalate(meta.mentionId, body.user.id, { reason, severity, category });
    });
  });
}
