import type { TweetV2 } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { X_READ_FIELDS, repliedTo, toMention } from '../../../src/sources/x/normalise.js';
import { normaliseOwnPosts } from '../../../src/sources/x/own-posts.js';

const brand = { id: '1600000000000000001', username: 'acme' };
const post = (over: Partial<TweetV2> = {}): TweetV2 => ({
  id: '1866000000000000100',
  text: '@DanaK so sorry, we are on it',
  author_id: brand.id,
  created_at: '2026-11-24T10:05:00.000Z',
  conversation_id: '1866000000000000000',
  referenced_tweets: [{ type: 'replied_to', id: '1866000000000000000' }],
  edit_history_tweet_ids: ['1866000000000000100'],
  ...over,
});

describe('X posts in a conversation', () => {
  it('a customer post says which post it answers (replied_to) and its thread', () => {
    expect(toMention(post({ author_id: '42' }), undefined)).toMatchObject({ inReplyTo: '1866000000000000000', conversationId: '1866000000000000000' });
    expect(toMention(post({ author_id: '42', referenced_tweets: [{ type: 'quoted', id: '7' }] }), undefined).inReplyTo).toBeNull();
    expect(repliedTo(post({ referenced_tweets: undefined }))).toBeNull();
  });

  it('every read asks X for what a conversation needs', () => {
    const fields = X_READ_FIELDS['tweet.fields'].split(',');
    for (const f of ['referenced_tweets', 'conversation_id', 'in_reply_to_user_id', 'created_at', 'author_id']) expect(fields).toContain(f);
  });
});

describe("the brand's own posts", () => {
  it('a reply becomes an outbound post by the brand, at the time X says it was posted', () => {
    const user = { id: brand.id, username: 'Acme', name: 'Acme Support', public_metrics: { followers_count: 9000, following_count: 0, tweet_count: 0, listed_count: 0 } };
    const { posts, skipped } = normaliseOwnPosts({ data: [post()], includes: { users: [user] } }, brand);
    expect(skipped).toEqual([]);
    expect(posts).toEqual([
      expect.objectContaining({
        source: 'x',
        externalId: '1866000000000000100',
        direction: 'outbound',
        inReplyTo: '1866000000000000000',
        conversationId: '1866000000000000000',
        url: 'https://x.com/Acme/status/1866000000000000100',
        author: { id: brand.id, handle: 'Acme', name: 'Acme Support', followers: 9000 },
        postedAt: new Date('2026-11-24T10:05:00.000Z'),
      }),
    ]);
  });

  it('without the author expansion the brand is still the author', () => {
    const { posts } = normaliseOwnPosts({ data: [post({ created_at: undefined })] }, brand);
    expect(posts[0]).toMatchObject({ author: { id: brand.id, handle: 'acme' }, url: 'https://x.com/acme/status/1866000000000000100' });
    // The id says when it was posted.
    expect(posts[0]!.postedAt.getUTCFullYear()).toBeGreaterThan(2020);
  });

  it('skips posts that answer nothing, and any post not by the brand', () => {
    const { posts, skipped } = normaliseOwnPosts(
      { data: [post({ id: '1', referenced_tweets: undefined }), post({ id: '2', referenced_tweets: [{ type: 'quoted', id: '5' }] }), post({ id: '3', author_id: '42' })] },
      brand,
    );
    expect(posts).toEqual([]);
    expect(skipped).toEqual([
      { id: '1', reason: 'not_a_reply' },
      { id: '2', reason: 'not_a_reply' },
      { id: '3', reason: 'not_by_brand' },
    ]);
  });
});
