/**
 * X posts (API v2 tweet objects plus `includes.users`) → the one mention shape, and the filters
 * that keep the brand's own posts, retweets and muted handles or words off the triage channel.
 */
import type { ApiV2Includes, TweetV2, UserV2 } from 'twitter-api-v2';
import type { IncomingMention } from '../../domain/mention.js';

/** The `source` of every mention read from X (mentions timeline, recent search, stream). */
export const X_SOURCE = 'x';

/** What earshot asks X for on every read: enough for the card (author, followers) and the conversation (what a post answers, its thread). */
export const X_READ_FIELDS = {
  expansions: 'author_id',
  'tweet.fields': 'created_at,author_id,conversation_id,referenced_tweets,in_reply_to_user_id,lang',
  'user.fields': 'username,name,public_metrics',
};

/** X's ids are snowflakes: the creation time in ms since the X epoch, shifted by 22 bits. */
const X_EPOCH_MS = 1288834974657n;

export function snowflakeTime(id: string): Date | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  return new Date(Number((BigInt(id) >> 22n) + X_EPOCH_MS));
}

/** Compares two numeric X ids (they outgrow a JS number). */
export function compareXIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function maxXId(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return compareXIds(a, b) >= 0 ? a : b;
}

export function postUrl(username: string | undefined, id: string): string {
  return username ? `https://x.com/${username}/status/${id}` : `https://x.com/i/web/status/${id}`;
}

export type SkipReason = 'own_post' | 'retweet' | 'muted_handle' | 'muted_word';

export interface XFilters {
  brandId: string;
  brandUsername: string;
  includeRetweets: boolean;
  /** Lower-case, without @. */
  mutedHandles: ReadonlySet<string>;
  /** Returns the muted word found in the text, if any. */
  mutedWord: (text: string) => string | undefined;
}

export function createFilters(o: {
  brandId: string;
  brandUsername: string;
  includeRetweets: boolean;
  mutedHandles: readonly string[];
  mutedWords: readonly string[];
}): XFilters {
  return {
    brandId: o.brandId,
    brandUsername: o.brandUsername,
    includeRetweets: o.includeRetweets,
    mutedHandles: new Set(o.mutedHandles.map((h) => h.replace(/^@/, '').toLowerCase())),
    mutedWord: mutedWordMatcher(o.mutedWords),
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whole words or phrases, case-insensitive: "refund" mutes "Refund please" but not "refunded";
 * "#ad" mutes "#ad" but not "#adobe". A word is bounded by anything but a letter, digit or _.
 */
export function mutedWordMatcher(words: readonly string[]): (text: string) => string | undefined {
  const compiled = words
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .map((w) => ({ word: w, re: new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(w)}(?=$|[^\\p{L}\\p{N}_])`, 'iu') }));
  return (text) => compiled.find((c) => c.re.test(text))?.word;
}

/** The id of the post this one answers (X: the `replied_to` reference), or null. */
export function repliedTo(tweet: TweetV2): string | null {
  return (tweet.referenced_tweets ?? []).find((r) => r.type === 'replied_to')?.id ?? null;
}

const X_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * X sends post text with `&`, `<` and `>` already HTML-encoded. Decoded once here, in one pass
 * (so a customer's literal `&lt;`, sent as `&amp;lt;`, stays `&lt;`): earshot stores what the
 * customer wrote and escapes once where it reaches Slack.
 */
export function decodeXText(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (e) => X_ENTITIES[e]!);
}

export function isRetweet(tweet: TweetV2): boolean {
  return (tweet.referenced_tweets ?? []).some((r) => r.type === 'retweeted');
}

/** Why this post gets no card, or null when it should be carded. */
export function skipReason(tweet: TweetV2, author: UserV2 | undefined, f: XFilters): SkipReason | null {
  if (tweet.author_id === f.brandId || author?.username.toLowerCase() === f.brandUsername.toLowerCase()) return 'own_post';
  if (!f.includeRetweets && isRetweet(tweet)) return 'retweet';
  if (author && f.mutedHandles.has(author.username.toLowerCase())) return 'muted_handle';
  if (f.mutedWord(decodeXText(tweet.text)) !== undefined) return 'muted_word';
  return null;
}

export function toMention(tweet: TweetV2, author: UserV2 | undefined): IncomingMention {
  const followers = author?.public_metrics?.followers_count;
  const postedAt = tweet.created_at ? new Date(tweet.created_at) : (snowflakeTime(tweet.id) ?? new Date());
  return {
    source: X_SOURCE,
    externalId: tweet.id,
    url: postUrl(author?.username, tweet.id),
    text: decodeXText(tweet.text),
    author: {
      id: tweet.author_id ?? author?.id ?? null,
      // Without the expansion X gives no handle; the numeric id still identifies the author.
      handle: author?.username ?? tweet.author_id ?? 'unknown',
      name: author?.name ?? null,
      followers: typeof followers === 'number' ? followers : null,
    },
    postedAt: Number.isNaN(postedAt.getTime()) ? new Date() : postedAt,
    lang: tweet.lang ?? null,
    conversationId: tweet.conversation_id ?? null,
    inReplyTo: repliedTo(tweet),
    raw: { tweet, user: author ?? null },
  };
}

export interface NormalisedPage {
  mentions: IncomingMention[];
  skipped: { id: string; reason: SkipReason }[];
}

/** One page (or one stream event): its posts as mentions, minus those the filters skip. */
export function normalisePosts(page: { data?: TweetV2[] | TweetV2; includes?: ApiV2Includes }, f: XFilters): NormalisedPage {
  const posts = page.data === undefined ? [] : Array.isArray(page.data) ? page.data : [page.data];
  const users = new Map((page.includes?.users ?? []).map((u) => [u.id, u] as const));
  const out: NormalisedPage = { mentions: [], skipped: [] };
  for (const tweet of posts) {
    const author = tweet.author_id ? users.get(tweet.author_id) : undefined;
    const reason = skipReason(tweet, author, f);
    if (reason) out.skipped.push({ id: tweet.id, reason });
    else out.mentions.push(toMention(tweet, author));
  }
  return out;
}
