import type { KnownBlock } from '@slack/types';
import type { MentionRow } from '../../db/schema.js';
import type { EscalationPayload } from '../../db/slack-jobs.js';
import { displayHandle, escapeAndTruncate, safeLink } from '../../domain/mrkdwn.js';
import { quoteWithin, type SlackMessage } from './mention-card.js';

export const CATEGORY_LABEL: Record<string, string> = { isolated: 'isolated case', policy: 'policy problem', procedural: 'procedural problem' };

/**
 * The post in the escalation channel, rendered when it is sent from what the escalation recorded
 * and the mention as it is then. `cardLink` is the card's permalink when it could be fetched.
 */
export function escalationPost(e: EscalationPayload['escalation'], m: Pick<MentionRow, 'author_handle' | 'text' | 'url'>, cardLink?: string): SlackMessage {
  const ping = e.leadsGroup ? `<!subteam^${e.leadsGroup}> ` : '';
  const category = CATEGORY_LABEL[e.category] ?? escapeAndTruncate(e.category, 50);
  const text = `${ping}:arrow_double_up: *Escalation* (${escapeAndTruncate(e.severity, 20)} severity, ${category}) by <@${e.by}> on a mention from @${escapeAndTruncate(displayHandle(m.author_handle), 100)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Reason:* ${escapeAndTruncate(e.reason, 2500)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: quoteWithin(m.text, 1500, 2990) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: safeLink(m.url, 'Open the post') }] },
  ];
  if (cardLink) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${cardLink}|View the card in the triage channel>` }] });
  return { text, blocks };
}
