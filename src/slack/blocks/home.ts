import type { KnownBlock, View } from '@slack/types';
import type { MentionRow } from '../../db/schema.js';
import { factsOf, mayEscalate } from '../../domain/lifecycle.js';
import { escapeAndTruncate, escapeMrkdwn, quote, safeLink, slackDate } from '../../domain/mrkdwn.js';
import type { SlaPolicy } from '../../domain/sla.js';
import type { OpenNow } from '../../domain/stats.js';
import { ACTION, MORE } from '../ids.js';
import { authorLine, slaLine, sourceName } from './mention-card.js';
import { duration } from './stats.js';

export interface HomeData {
  userId: string;
  now: Date;
  slaPolicy: SlaPolicy;
  triageChannel: string;
  /** Open mentions the person owns, unanswered first, then by deadline. */
  mine: MentionRow[];
  mineTotal: number;
  /** Open mentions nobody owns, oldest first. */
  unclaimed: MentionRow[];
  unclaimedTotal: number;
  team: OpenNow & { medianTodaySec: number | null };
}

/** Slack allows 100 blocks in a Home view; these caps keep the worst case near 60. */
export const HOME_MINE_MAX = 15;
export const HOME_UNCLAIMED_MAX = 20;

/**
 * The App Home: a team line, "My mentions" with their SLA state and the card's own buttons (same
 * action ids, so the card listeners handle them), and the oldest unclaimed mentions with Claim.
 */
export function homeView(d: HomeData): View {
  const t = d.team;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Social care queue' } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `*Team now:* ${t.waiting} open (no reply yet) · :warning: ${t.atRisk} at risk · :rotating_light: ${t.overdue} overdue · today’s median first response: ${t.medianTodaySec === null ? 'no replies yet' : duration(t.medianTodaySec)}`,
        },
      ],
    },
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: `*My mentions* (${d.mineTotal})` } },
  ];

  if (d.mine.length === 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Nothing claimed by you right now. Claim one below or in <#${d.triageChannel}>.` }] });
  }
  for (const m of d.mine.slice(0, HOME_MINE_MAX)) {
    blocks.push({ type: 'section', block_id: `home_mine:${m.id}`, text: { type: 'mrkdwn', text: mentionText(m, d) } });
    blocks.push(mineActions(m));
  }
  if (d.mineTotal > Math.min(d.mine.length, HOME_MINE_MAX)) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${d.mineTotal - Math.min(d.mine.length, HOME_MINE_MAX)} more of yours in <#${d.triageChannel}>.` }] });
  }

  blocks.push({ type: 'divider' });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Unclaimed* (${d.unclaimedTotal}, oldest first)` } });
  if (d.unclaimed.length === 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Nothing waiting for an owner. :tada:' }] });
  }
  for (const m of d.unclaimed.slice(0, HOME_UNCLAIMED_MAX)) {
    blocks.push({
      type: 'section',
      block_id: `home_unclaimed:${m.id}`,
      text: { type: 'mrkdwn', text: mentionText(m, d) },
      accessory: { type: 'button', action_id: ACTION.claim, text: { type: 'plain_text', text: 'Claim' }, value: String(m.id), style: 'primary' },
    });
  }
  if (d.unclaimedTotal > Math.min(d.unclaimed.length, HOME_UNCLAIMED_MAX)) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${d.unclaimedTotal - Math.min(d.unclaimed.length, HOME_UNCLAIMED_MAX)} more in <#${d.triageChannel}>.` }] });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Updated ${slackDate(d.now, '{date_short_pretty} {time}')} · refreshed when you open this tab and after each change.` }] });
  return { type: 'home', blocks };
}

function mentionText(m: MentionRow, d: HomeData): string {
  // A case is a conversation: how many posts the customer wrote in it, when more than the first.
  const posts = m.customer_posts > 1 ? ` · :speech_balloon: ${m.customer_posts} customer posts` : '';
  const head = `${authorLine(m)} on ${escapeMrkdwn(sourceName(m.source))} · ${safeLink(m.url, 'open post')}${posts}`;
  const body = quote(escapeAndTruncate(m.text.replace(/\s+/g, ' ').trim() || ' ', 280));
  const waitingAgain = m.first_response_at !== null && m.waiting_since !== null && m.waiting_since !== undefined;
  const state = waitingAgain
    ? `:leftwards_arrow_with_hook: customer wrote again · ${m.sla_due_at < d.now ? ':rotating_light: overdue, ' : ''}due ${slackDate(m.sla_due_at)}`
    : m.first_response_at
      ? `:speech_balloon: replied${m.status === 'escalated' ? ' · escalated' : ''}, not resolved yet` : slaLine(m, { now: d.now, slaPolicy: d.slaPolicy });
  const escalated = m.escalated_at && !m.first_response_at ? ' · :arrow_double_up: escalated' : '';
  return `${head}\n${body}\n${state}${escalated}`;
}

function mineActions(m: MentionRow): KnownBlock {
  const id = String(m.id);
  const overflow = [{ text: { type: 'plain_text' as const, text: 'Release' }, value: `${MORE.release}:${id}` }];
  overflow.push({ text: { type: 'plain_text', text: 'Reassign…' }, value: `${MORE.reassign}:${id}` });
  if (m.first_response_at) overflow.push({ text: { type: 'plain_text', text: 'Resolve' }, value: `${MORE.resolve}:${id}` });
  else overflow.push({ text: { type: 'plain_text', text: 'No reply needed…' }, value: `${MORE.noReply}:${id}` });
  const elements: Extract<KnownBlock, { type: 'actions' }>['elements'] = [
    { type: 'button', action_id: ACTION.reply, text: { type: 'plain_text', text: 'Reply' }, value: id, ...(m.first_response_at ? {} : { style: 'primary' as const }) },
  ];
  if (mayEscalate(factsOf(m))) elements.push({ type: 'button', action_id: ACTION.escalate, text: { type: 'plain_text', text: 'Escalate' }, value: id });
  elements.push({ type: 'overflow', action_id: ACTION.more, options: overflow });
  return { type: 'actions', block_id: `home_mine_actions:${id}`, elements };
}

/**
 * The Home tab of someone outside the team: what earshot is and who to ask, and nothing of the
 * queue (no customer text, no counts, no buttons).
 */
export function outsiderHomeView(o: { team: string; whoToAsk: string }): View {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'earshot' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `earshot brings what customers post about the brand on social media into Slack, so the social team can claim, answer and resolve each one on time. The queue and the customers' posts are for ${o.team}.`,
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `To join the social team, please ask ${o.whoToAsk}.` }] },
    ],
  };
}
