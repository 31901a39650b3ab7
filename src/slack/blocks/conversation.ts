import type { KnownBlock } from '@slack/types';
import type { ConversationPost } from '../../db/conversation.js';
import type { MentionRow } from '../../db/schema.js';
import { escapeAndTruncate, escapeMrkdwn, quote, safeLink, slackDate } from '../../domain/mrkdwn.js';
import { authorLine, sourceName } from './mention-card.js';

/** How many posts of a conversation the Reply modal shows. */
export const CONVERSATION_POSTS = 6;
/**
 * Each post's text, escaped, is cut to this many characters: with the `>` of every quoted line it
 * stays well inside a section's 3,000, and six of them keep the modal light.
 */
const POST_CHARS = 1000;

const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;

function who(m: MentionRow, p: ConversationPost): string {
  if (p.direction === 'outbound') {
    if (p.via === 'outside') return `*Brand* (on ${escapeMrkdwn(sourceName(m.source))}, outside earshot)`;
    const by = p.slack_user_id ? (SLACK_ID.test(p.slack_user_id) ? `<@${p.slack_user_id}>` : escapeMrkdwn(p.slack_user_id)) : 'a teammate';
    return `*Brand* via earshot, ${by}`;
  }
  const handle = escapeAndTruncate(p.author_handle ?? m.author_handle, 100);
  const name = p.author_name ? `*${escapeAndTruncate(p.author_name, 100)}* ` : '';
  return `${name}(@${handle})`;
}

/**
 * The conversation above the reply box: the last posts of the case, the brand's included, oldest
 * first, so the person answering sees what the customer said last and what was already answered.
 * Two blocks a post (who and when; the text), a dozen at most: far inside Block Kit's 100.
 */
export function conversationBlocks(m: MentionRow, posts: ConversationPost[], opts: { answers?: string } = {}): KnownBlock[] {
  const total = m.customer_posts > 1 ? ` · ${m.customer_posts} posts from the customer` : '';
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${authorLine(m)} on ${escapeMrkdwn(sourceName(m.source))}${total}` }] },
  ];
  for (const p of posts.slice(-CONVERSATION_POSTS)) {
    const link = p.url ? ` · ${safeLink(p.url, 'open')}` : '';
    const answered = opts.answers !== undefined && p.direction === 'inbound' && p.external_id === opts.answers ? ' · _your reply answers this_' : '';
    blocks.push(
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${who(m, p)} · ${slackDate(p.posted_at, '{date_short_pretty} {time}')}${link}${answered}` }] },
      { type: 'section', text: { type: 'mrkdwn', text: quote(escapeAndTruncate(p.text.trim() || ' ', POST_CHARS)) } },
    );
  }
  return blocks;
}
