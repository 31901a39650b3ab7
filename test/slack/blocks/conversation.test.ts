import { describe, expect, it } from 'vitest';
import type { ConversationPost } from '../../../src/db/conversation.js';
import type { MentionRow } from '../../../src/db/schema.js';
import { CONVERSATION_POSTS, conversationBlocks } from '../../../src/slack/blocks/conversation.js';
import { defaultSlaPolicy } from '../../../src/domain/sla.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import { replyModal } from '../../../src/slack/blocks/modals.js';
import { validateView } from '../../fakes/slack-server.js';

const T0 = new Date('2026-03-10T12:00:00Z');

const m = {
  id: 7,
  source: 'x',
  external_id: '100',
  url: 'https://x.com/i/status/100',
  text: 'first',
  author_external_id: '9',
  author_handle: 'jane',
  author_name: 'Jane',
  author_followers: 12,
  posted_at: T0,
  customer_posts: 9,
} as MentionRow;

function post(i: number, over: Partial<ConversationPost> = {}): ConversationPost {
  return {
    id: String(i),
    external_id: String(100 + i),
    direction: 'inbound',
    via: null,
    reply_id: null,
    url: `https://x.com/i/status/${100 + i}`,
    text: `post ${i}`,
    author_external_id: '9',
    author_handle: 'jane',
    author_name: 'Jane',
    posted_at: new Date(T0.getTime() + i * 60_000),
    raw: null,
    slack_user_id: null,
    ...over,
  };
}

const texts = (blocks: unknown[]) => blocks.map((b) => JSON.stringify(b));

describe('the conversation in the Reply modal', () => {
  it('marks the brand’s posts by where they were sent, oldest first', () => {
    const posts = [post(0), post(1, { direction: 'outbound', via: 'outside', author_handle: null, text: 'We are on it' }), post(2, { direction: 'outbound', via: 'earshot', slack_user_id: 'UBOB', text: 'Done' }), post(3, { text: 'Thanks!' })];
    const b = texts(conversationBlocks(m, posts, { answers: '103' }));
    expect(b[0]).toContain('9 posts from the customer');
    expect(b[3]).toContain('Brand* (on X, outside earshot)');
    expect(b[5]).toContain('Brand* via earshot, <@UBOB>');
    expect(b[7]).toContain('your reply answers this');
    expect(b[8]).toContain('Thanks!');
    expect(b.findIndex((s) => s.includes('post 0'))).toBeLessThan(b.findIndex((s) => s.includes('Thanks!')));
  });

  it('escapes each post once and trims it; only the last posts are shown', () => {
    const evil = post(9, { text: `  <!channel> & ${'é'.repeat(5000)}\n\n`, author_name: '<@U0EVIL>' });
    const posts = [...Array.from({ length: 10 }, (_, i) => post(i)), evil];
    const blocks = conversationBlocks(m, posts);
    expect(blocks).toHaveLength(1 + 2 * CONVERSATION_POSTS);
    const all = JSON.stringify(blocks);
    expect(all).not.toContain('post 4');
    expect(all).toContain('&lt;!channel&gt; &amp; ');
    expect(all).not.toContain('&amp;lt;');
    expect(all).toContain('*&lt;@U0EVIL&gt;*');
    const last = blocks.at(-1) as { text: { text: string } };
    expect(last.text.text.length).toBeLessThanOrEqual(3000);
    expect(last.text.text.startsWith('>&lt;!channel&gt;')).toBe(true);
    expect(last.text.text.endsWith('…')).toBe(true);
  });

  it('the whole modal stays inside Block Kit’s limits with long posts', () => {
    const posts = Array.from({ length: 6 }, (_, i) => post(i, { text: `${'>\n&'.repeat(3000)}` }));
    const view = replyModal({
      mention: m,
      meta: { mentionId: 7, channel: 'C1' },
      savedReplies: [],
      destinationNote: 'Sent on X',
      postsForReal: true,
      conversation: posts,
      answers: '105',
    });
    expect(validateView(view, 'modal')).toEqual([]);
  });
});

describe('cases on the Home tab', () => {
  it('each case shows how many posts the customer wrote, and a case waiting again says so with its deadline', () => {
    const base = { ...m, text: 'where is it', status: 'claimed', owner_id: 'UALICE', priority: 'normal', priority_reasons: [], escalated_at: null, closed_at: null } as MentionRow;
    const waitingAgain = { ...base, id: 8, customer_posts: 3, first_response_at: new Date(T0.getTime() + 600_000), waiting_since: new Date(T0.getTime() + 3_600_000), sla_due_at: new Date(T0.getTime() + 7_200_000) };
    const single = { ...base, id: 9, customer_posts: 1, first_response_at: null, waiting_since: T0, sla_due_at: new Date(T0.getTime() + 3_600_000), sla_warn_at: new Date(T0.getTime() + 2_700_000) };
    const view = homeView({ userId: 'UALICE', now: new Date(T0.getTime() + 3_700_000), slaPolicy: defaultSlaPolicy, triageChannel: 'CT', mine: [waitingAgain, single], mineTotal: 2, unclaimed: [], unclaimedTotal: 0, team: { waiting: 1, atRisk: 0, overdue: 0, medianTodaySec: null } });
    expect(validateView(view, 'home')).toEqual([]);
    const blocks = view.blocks.map((b) => JSON.stringify(b));
    const a = blocks.find((b) => b.includes('home_mine:8'))!;
    const b = blocks.find((x) => x.includes('home_mine:9'))!;
    expect(a).toContain('3 customer posts');
    expect(a).toContain('customer wrote again · due <!date^');
    expect(b).not.toContain('customer posts');
  });
});
