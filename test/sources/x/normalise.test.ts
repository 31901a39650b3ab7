import type { TweetV2, UserV2 } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { createFilters, decodeXText, mutedWordMatcher, normalisePosts, skipReason, snowflakeTime, toMention } from '../../../src/sources/x/normalise.js';

const BRAND_ID = '1600000000000000001';
const filters = (over: Partial<Parameters<typeof createFilters>[0]> = {}) =>
  createFilters({ brandId: BRAND_ID, brandUsername: 'acme', includeRetweets: false, mutedHandles: [], mutedWords: [], ...over });

const dana: UserV2 = { id: '42', username: 'DanaK', name: 'Dana K', public_metrics: { followers_count: 12_400, following_count: 1, tweet_count: 2, listed_count: 0 } };
const tweet = (over: Partial<TweetV2> = {}): TweetV2 => ({
  id: '1866000000000000000',
  text: '@acme my parcel has been stuck in Leeds for 9 days',
  author_id: '42',
  created_at: '2026-11-24T10:00:00.000Z',
  conversation_id: '1866000000000000000',
  lang: 'en',
  edit_history_tweet_ids: ['1866000000000000000'],
  ...over,
});

describe('toMention', () => {
  it('maps a post and its author to the mention shape, keeping the raw post and user', () => {
    const m = toMention(tweet(), dana);
    expect(m).toMatchObject({
      source: 'x',
      externalId: '1866000000000000000',
      url: 'https://x.com/DanaK/status/1866000000000000000',
      text: '@acme my parcel has been stuck in Leeds for 9 days',
      author: { id: '42', handle: 'DanaK', name: 'Dana K', followers: 12_400 },
      lang: 'en',
      conversationId: '1866000000000000000',
      raw: { tweet: tweet(), user: dana },
    });
    expect(m.postedAt.toISOString()).toBe('2026-11-24T10:00:00.000Z');
  });

  it('falls back to the id when X sent no author, and to the snowflake time without created_at', () => {
    const m = toMention(tweet({ created_at: undefined }), undefined);
    expect(m.author).toEqual({ id: '42', handle: '42', name: null, followers: null });
    expect(m.url).toBe('https://x.com/i/web/status/1866000000000000000');
    expect(m.postedAt.getTime()).toBe(snowflakeTime('1866000000000000000')!.getTime());
    // 1866000000000000000 >> 22 is ~ December 2024
    expect(m.postedAt.getUTCFullYear()).toBe(2024);
  });
});

describe('filters', () => {
  it('skips the brand’s own posts (by id or handle) and retweets unless configured', () => {
    expect(skipReason(tweet({ author_id: BRAND_ID }), undefined, filters())).toBe('own_post');
    expect(skipReason(tweet({ author_id: '9' }), { id: '9', username: 'ACME', name: 'Acme' }, filters())).toBe('own_post');
    const rt = tweet({ text: 'RT @DanaK: @acme my parcel…', referenced_tweets: [{ type: 'retweeted', id: '1' }] });
    expect(skipReason(rt, dana, filters())).toBe('retweet');
    expect(skipReason(rt, dana, filters({ includeRetweets: true }))).toBeNull();
    const quote = tweet({ referenced_tweets: [{ type: 'quoted', id: '1' }] });
    expect(skipReason(quote, dana, filters())).toBeNull();
  });

  it('skips muted handles (any case, with or without @) and muted whole words or phrases', () => {
    expect(skipReason(tweet(), dana, filters({ mutedHandles: ['@danak'] }))).toBe('muted_handle');
    expect(skipReason(tweet({ text: 'Free GIVEAWAY @acme' }), dana, filters({ mutedWords: ['giveaway'] }))).toBe('muted_word');
    expect(skipReason(tweet({ text: 'giveaways are fun @acme' }), dana, filters({ mutedWords: ['giveaway'] }))).toBeNull();
    const match = mutedWordMatcher(['#ad', 'crypto airdrop', 'café']);
    expect(match('nice #ad here')).toBe('#ad');
    expect(match('nice #adobe here')).toBeUndefined();
    expect(match('Crypto Airdrop now!')).toBe('crypto airdrop');
    expect(match('Le Café est fermé')).toBe('café');
    expect(match('cafés')).toBeUndefined();
  });

  it('normalises a page, reporting what it skipped', () => {
    const page = {
      data: [tweet({ id: '3' }), tweet({ id: '2', author_id: BRAND_ID }), tweet({ id: '1', referenced_tweets: [{ type: 'retweeted' as const, id: '3' }] })],
      includes: { users: [dana] },
    };
    const out = normalisePosts(page, filters());
    expect(out.mentions.map((m) => m.externalId)).toEqual(['3']);
    expect(out.mentions[0]!.author.followers).toBe(12_400);
    expect(out.skipped).toEqual([{ id: '2', reason: 'own_post' }, { id: '1', reason: 'retweet' }]);
    expect(normalisePosts({}, filters())).toEqual({ mentions: [], skipped: [] });
    expect(normalisePosts({ data: tweet({ id: '7' }), includes: { users: [dana] } }, filters()).mentions).toHaveLength(1);
  });
});

describe('X text entities', () => {
  it('decodes &amp; &lt; &gt; once: the stored text is what the customer wrote', () => {
    expect(toMention(tweet({ text: '@acme Q&amp;A &lt;3 &gt;_&lt;' }), dana).text).toBe('@acme Q&A <3 >_<');
    // A customer who typed a literal `&lt;` arrives as `&amp;lt;` and keeps it.
    expect(decodeXText('&amp;lt; &amp;amp;')).toBe('&lt; &amp;');
    expect(decodeXText('&quot; &#39;')).toBe('&quot; &#39;');
  });

  it('muted words match the decoded text', () => {
    expect(skipReason(tweet({ text: 'AT&amp;T giveaway' }), dana, filters({ mutedWords: ['AT&T'] }))).toBe('muted_word');
  });
});
