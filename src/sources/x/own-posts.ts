/**
 * The brand's own posts (its user timeline) → outbound posts. Only replies matter: a brand post
 * that answers nothing cannot belong to a customer's conversation, so it is skipped (and counted).
 */
import type { ApiV2Includes, TweetV2 } from 'twitter-api-v2';
import type { IncomingMention } from '../../domain/mention.js';
import { repliedTo, toMention } from './normalise.js';

export type OwnSkipReason = 'not_a_reply' | 'not_by_brand';

export interface NormalisedOwnPage {
  posts: IncomingMention[];
  skipped: { id: string; reason: OwnSkipReason }[];
}

export function normaliseOwnPosts(page: { data?: TweetV2[]; includes?: ApiV2Includes }, brand: { id: string; username: string }): NormalisedOwnPage {
  const users = new Map((page.includes?.users ?? []).map((u) => [u.id, u] as const));
  const out: NormalisedOwnPage = { posts: [], skipped: [] };
  for (const tweet of page.data ?? []) {
    // The timeline is the brand's; a post by anyone else would be X's mistake, never the brand's reply.
    if (tweet.author_id !== undefined && tweet.author_id !== brand.id) {
      out.skipped.push({ id: tweet.id, reason: 'not_by_brand' });
      continue;
    }
    if (!repliedTo(tweet)) {
      out.skipped.push({ id: tweet.id, reason: 'not_a_reply' });
      continue;
    }
    const user = users.get(brand.id);
    const post = toMention(tweet, user ?? { id: brand.id, username: brand.username, name: brand.username });
    post.author = { id: brand.id, handle: user?.username ?? brand.username, name: user?.name ?? null, followers: post.author.followers ?? null };
    post.direction = 'outbound';
    out.posts.push(post);
  }
  return out;
}
