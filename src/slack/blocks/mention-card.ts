import type { KnownBlock } from '@slack/types';
import type { MentionRow } from '../../db/schema.js';
import { factsOf, isOpen, mayEscalate } from '../../domain/lifecycle.js';
import { ago, displayHandle, displayName, escapeAndTruncate, escapeMrkdwn, formatCount, quote, safeLink, slackDate } from '../../domain/mrkdwn.js';
import { slaStatus, type SlaPolicy } from '../../domain/sla.js';
import { ACTION, MORE } from '../ids.js';

export interface CardContext {
  now: Date;
  slaPolicy: SlaPolicy;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const PRIORITY_BADGE = { high: ':red_circle: high', normal: ':large_yellow_circle: normal', low: ':white_circle: low' } as const;
const SENTIMENT_BADGE: Record<string, string> = { positive: ':slightly_smiling_face: positive', neutral: ':neutral_face: neutral', negative: ':rage: negative' };
const SOURCE_NAME: Record<string, string> = { x: 'X', twitter: 'X', facebook: 'Facebook', instagram: 'Instagram', tiktok: 'TikTok', reddit: 'Reddit', threads: 'Threads', bluesky: 'Bluesky', mastodon: 'Mastodon', linkedin: 'LinkedIn', youtube: 'YouTube' };

export function sourceName(source: string): string {
  return SOURCE_NAME[source] ?? source;
}

/** "*Jane Doe* (@jane · 1.2k followers)", every part escaped. */
export function authorLine(m: Pick<MentionRow, 'author_name' | 'author_handle' | 'author_followers'>): string {
  const shown = m.author_name ? displayName(m.author_name) : '';
  const name = shown ? `*${escapeAndTruncate(shown, 100)}* ` : '';
  const followers = m.author_followers === null ? '' : ` · ${formatCount(m.author_followers)} followers`;
  return `${name}(@${escapeAndTruncate(displayHandle(m.author_handle), 100)}${followers})`;
}

/** The card: rendered from the row alone, so any replica renders the same card. */
export function mentionCard(m: MentionRow, ctx: CardContext): SlackMessage {
  const sla = slaLine(m, ctx);
  const status = statusLine(m, ctx.now);
  const reasons = Array.isArray(m.priority_reasons) && m.priority_reasons.length > 0 ? ` (${m.priority_reasons.map((r) => escapeMrkdwn(String(r))).join(', ')})` : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${authorLine(m)} on ${escapeMrkdwn(sourceName(m.source))} · ${safeLink(m.url, 'open post')}`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: quoteWithin(m.text, 2800, 2990) } },
    ...conversation(m),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Posted ${slackDate(m.posted_at, '{date_short_pretty} {time}')} · priority ${PRIORITY_BADGE[m.priority]}${reasons}${m.sentiment_label ? ` · ${SENTIMENT_BADGE[m.sentiment_label] ?? escapeMrkdwn(m.sentiment_label)}` : ''}`,
        },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${sla}\n${status}` }] },
  ];
  if (isOpen(m.status)) blocks.push(actions(m));
  const fallback = `${sourceName(m.source)} mention from @${escapeMrkdwn(displayHandle(m.author_handle))}: ${escapeAndTruncate(m.text, 200)}`;
  return { text: fallback, blocks };
}

/**
 * The card Slack cannot refuse for its content: plain text cut well inside every limit, the
 * buttons, and a link to the post. Sent when Slack refused the full card (invalid_blocks,
 * msg_too_long…), so a mention is never left without a card because of what its author wrote.
 */
export function safeCard(m: MentionRow): SlackMessage {
  const text = `${sourceName(m.source)} mention from @${escapeAndTruncate(m.author_handle, 100)}: ${escapeAndTruncate(m.text.replace(/\s+/g, ' '), 500)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${safeLink(m.url, 'open post')} · the full text could not be shown here` }] },
  ];
  if (isOpen(m.status)) blocks.push(actions(m));
  return { text, blocks };
}

/**
 * Escapes and block-quotes customer text (at most `rawMax` characters of it) so the result fits `max` (Slack's section text limit is
 * 3,000): every line gains a `>`, so a text of many short lines grows past the limit even when it
 * was short enough before quoting. Cuts after quoting, never inside an entity or a surrogate pair.
 */
export function quoteWithin(raw: string, rawMax: number, max: number): string {
  const quoted = quote(escapeAndTruncate(raw || ' ', rawMax));
  if (quoted.length <= max) return quoted;
  let cut = quoted.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  if (cut.endsWith('\n>')) cut = cut.slice(0, -2);
  return cut + '…';
}

function actions(m: MentionRow): KnownBlock {
  const id = String(m.id);
  const overflow: { text: { type: 'plain_text'; text: string }; value: string }[] = [];
  if (m.owner_id) overflow.push({ text: { type: 'plain_text', text: 'Release' }, value: `${MORE.release}:${id}` });
  overflow.push({ text: { type: 'plain_text', text: 'Reassign…' }, value: `${MORE.reassign}:${id}` });
  if (m.first_response_at) overflow.push({ text: { type: 'plain_text', text: 'Resolve' }, value: `${MORE.resolve}:${id}` });
  else overflow.push({ text: { type: 'plain_text', text: 'No reply needed…' }, value: `${MORE.noReply}:${id}` });
  return {
    type: 'actions',
    block_id: `mention_actions:${id}`,
    elements: [
      { type: 'button', action_id: ACTION.claim, text: { type: 'plain_text', text: 'Claim' }, value: id, ...(m.owner_id ? {} : { style: 'primary' as const }) },
      { type: 'button', action_id: ACTION.reply, text: { type: 'plain_text', text: 'Reply' }, value: id },
      ...(mayEscalate(factsOf(m)) ? [{ type: 'button' as const, action_id: ACTION.escalate, text: { type: 'plain_text' as const, text: 'Escalate' }, value: id }] : []),
      { type: 'overflow', action_id: ACTION.more, options: overflow },
    ],
  };
}

/** The rest of the conversation: how many posts, the latest one, and the earlier case it follows. */
function conversation(m: MentionRow): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (m.customer_posts > 1) {
    const when = m.last_customer_post_at ? ` · latest ${slackDate(m.last_customer_post_at, '{date_short_pretty} {time}')}` : '';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:speech_balloon: ${m.customer_posts} posts from the customer${when} (all in the thread)` }] });
    if (m.last_customer_text !== null) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: quote(escapeAndTruncate(m.last_customer_text || ' ', 500)) } });
  }
  if (m.previous_case_id !== null) {
    const url = m.previous_card_channel && m.previous_card_ts ? `https://slack.com/archives/${m.previous_card_channel}/p${m.previous_card_ts.replace('.', '')}` : null;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:link: follows an earlier case with this customer (${safeLink(url, 'earlier card')})` }] });
  }
  return blocks;
}

export function slaLine(m: MentionRow, ctx: CardContext): string {
  if (m.waiting_since !== null && m.first_response_at !== null && isOpen(m.status)) {
    // Waiting for a next response: its own deadline, stored on the row when the customer wrote again.
    const due = slackDate(m.sla_due_at);
    const left = Math.ceil((m.sla_due_at.getTime() - ctx.now.getTime()) / 60_000);
    if (left < 0) return `:rotating_light: customer wrote again · overdue by ${-left} min (due ${due})`;
    if (ctx.now.getTime() >= m.sla_warn_at.getTime()) return `:warning: customer wrote again · at risk · due ${due} · ${left} min left`;
    return `:speech_balloon: customer wrote again · due ${due} · ${left} min left`;
  }
  if (m.status === 'closed_no_reply') return ':heavy_minus_sign: no reply needed: not counted against the response target';
  const s = slaStatus(
    { postedAt: m.posted_at, priority: m.priority, firstResponseAt: m.first_response_at, closedAt: m.closed_at },
    ctx.slaPolicy,
    ctx.now,
  );
  const due = slackDate(s.dueAt);
  switch (s.state) {
    case 'on_track':
      return `:stopwatch: due ${due} · ${s.minutesLeft} min left`;
    case 'at_risk':
      return `:warning: at risk · due ${due} · ${s.minutesLeft} min left`;
    case 'breached':
      return `:rotating_light: overdue by ${-s.minutesLeft} min (due ${due})`;
    case 'met':
      return `:white_check_mark: met · replied in ${s.responseMinutes ?? 0} min`;
    case 'missed':
      return `:x: missed · replied in ${s.responseMinutes ?? 0} min (target was ${due})`;
    case 'not_applicable':
      return ':heavy_minus_sign: closed without a reply: not counted against the response target';
  }
}

export function statusLine(m: MentionRow, now: Date): string {
  const parts: string[] = [];
  switch (m.status) {
    case 'new':
      parts.push(':new: *Unclaimed*');
      break;
    case 'claimed':
      parts.push(`:raising_hand: *Claimed by <@${m.owner_id}>*${m.claimed_at ? ` ${ago(m.claimed_at, now)}` : ''}`);
      break;
    case 'escalated':
      parts.push(`:arrow_double_up: *Escalated*${m.owner_id ? ` · owner <@${m.owner_id}>` : ''}`);
      break;
    case 'replied':
      parts.push(`:speech_balloon: *Replied*${m.owner_id ? ` · owner <@${m.owner_id}>` : ''}`);
      break;
    case 'resolved':
      parts.push(`:white_check_mark: *Resolved*${m.closed_by ? ` by <@${m.closed_by}>` : ''}`);
      break;
    case 'closed_no_reply':
      parts.push(`:no_entry_sign: *Closed: ${m.close_kind === 'spam' ? 'spam' : 'no reply needed'}*${m.closed_by ? ` by <@${m.closed_by}>` : ''}${m.close_reason ? ` (“${escapeAndTruncate(m.close_reason, 200)}”)` : ''}`);
      break;
  }
  if (m.first_response_at) {
    const minutes = Math.max(0, Math.round((m.first_response_at.getTime() - m.posted_at.getTime()) / 60_000));
    // No Slack user behind the first response: the brand replied on the network directly.
    parts.push(m.first_response_by ? `Replied by <@${m.first_response_by}> in ${minutes} min` : `Replied on ${escapeMrkdwn(sourceName(m.source))}, outside earshot, in ${minutes} min`);
  }
  if (m.escalated_at && m.status !== 'escalated') parts.push(':arrow_double_up: escalated');
  if (m.escalated_at && m.escalation_category) parts.push(`${escapeMrkdwn(m.escalation_category)} · ${escapeMrkdwn(m.escalation_severity ?? '')} severity`);
  return parts.join(' · ');
}
