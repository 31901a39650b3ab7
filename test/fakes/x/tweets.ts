/**
 * `POST /2/tweets` of the fake X: a post, a reply or a quote by the brand, refused as X refuses it
 * (too long by X's weighing, a deleted target, the same text twice). Recorded in the store and told
 * to listeners (`tweet`).
 */
import twitter from 'twitter-text';
import { DUPLICATE_CONTENT, REPLY_TARGET_GONE, TEXT_TOO_LONG, forbidden, invalidRequest } from './errors.js';
import type { FakeXPost } from './model.js';
import type { Reply } from './http.js';
import type { PostedTweet, XStore } from './store.js';

export function createTweet(store: XStore, body: Record<string, unknown>, told: (record: PostedTweet) => void): Reply {
  const text = typeof body.text === 'string' ? body.text : undefined;
  if (text === undefined || text.length === 0) {
    if (body.media === undefined && body.poll === undefined && body.quote_tweet_id === undefined) {
      return invalidRequest([{ message: '$.text: is missing but it is required' }]);
    }
  }
  // X weighs the text (a link is 23, CJK and emoji 2), as its own twitter-text library does.
  if (text !== undefined && twitter.parseTweet(text).weightedLength > 280) return forbidden(TEXT_TOO_LONG);
  const reply = body.reply as { in_reply_to_tweet_id?: string } | undefined;
  const replyTo = reply?.in_reply_to_tweet_id;
  let target: FakeXPost | undefined;
  if (replyTo !== undefined) {
    target = store.posts.get(replyTo);
    if (!target || target.deleted) return forbidden(REPLY_TARGET_GONE);
  }
  if (text !== undefined && store.tweets.some((t) => t.text === text && !store.posts.get(t.id)?.deleted)) {
    return forbidden(DUPLICATE_CONTENT);
  }
  const quote = typeof body.quote_tweet_id === 'string' ? body.quote_tweet_id : undefined;
  const post = store.insertPost(
    {
      text: text ?? '',
      authorId: store.brand.id,
      mentionsBrand: false,
      ...(target ? { conversationId: target.conversationId } : {}),
      referencedTweets: [
        ...(target ? [{ type: 'replied_to' as const, id: target.id }] : []),
        ...(quote ? [{ type: 'quoted' as const, id: quote }] : []),
      ],
    },
    { alwaysInSearch: false, byBrand: true },
  );
  const record: PostedTweet = {
    id: post.id,
    text: post.text,
    ...(replyTo !== undefined ? { inReplyToTweetId: replyTo } : {}),
    ...(quote !== undefined ? { quoteTweetId: quote } : {}),
    at: Date.now(),
    body,
  };
  store.tweets.push(record);
  told(record);
  return { status: 201, body: { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } } };
}
