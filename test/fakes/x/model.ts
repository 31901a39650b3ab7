/** Data model of the fake X: users, posts, snowflake ids and rendering with fields/expansions. */

export interface FakeXUser {
  id: string;
  username: string;
  name: string;
  followers: number;
  following: number;
  tweetCount: number;
  listed: number;
  createdAt: Date;
  description: string;
  verified: boolean;
  protected: boolean;
  profileImageUrl: string;
}

export interface AddUserInput {
  id?: string;
  username: string;
  name?: string;
  followers?: number;
  following?: number;
  tweetCount?: number;
  listed?: number;
  createdAt?: Date | string;
  description?: string;
  verified?: boolean;
  protected?: boolean;
}

export type ReferencedTweetType = 'retweeted' | 'quoted' | 'replied_to';

export interface FakeXPost {
  id: string;
  text: string;
  authorId: string;
  createdAt: Date;
  conversationId: string;
  referencedTweets: { type: ReferencedTweetType; id: string }[];
  lang: string;
  /** Appears in the brand's mentions timeline. */
  mentionsBrand: boolean;
  /** Added with addSearchPost: matches every recent-search query. */
  alwaysInSearch: boolean;
  /** Created by the bot through POST /2/tweets. */
  byBrand: boolean;
  deleted: boolean;
}

export interface AddPostInput {
  /** Numeric string; default: next snowflake-like id (strictly increasing). */
  id?: string;
  text: string;
  authorId: string;
  createdAt?: Date | string;
  conversationId?: string;
  referencedTweets?: { type: ReferencedTweetType; id: string }[];
  lang?: string;
  /** Default true: the post appears in the brand's mentions timeline. */
  mentionsBrand?: boolean;
}

const TWITTER_EPOCH = 1288834974657n;

/** Snowflake-like ids: (ms since X epoch) << 22, strictly increasing across the fake. */
export class SnowflakeIds {
  private last = 0n;

  next(at: number = Date.now()): string {
    let id = (BigInt(Math.floor(at)) - TWITTER_EPOCH) << 22n;
    if (id <= this.last) id = this.last + 1n;
    this.last = id;
    return id.toString();
  }

  observe(id: string): void {
    const value = BigInt(id);
    if (value > this.last) this.last = value;
  }
}

export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function toDate(value: Date | string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.valueOf())) throw new Error(`invalid date: ${String(value)}`);
  return date;
}

export interface FieldSelection {
  tweetFields: Set<string>;
  userFields: Set<string>;
  expansions: Set<string>;
}

export function fieldSelection(query: Record<string, string>): FieldSelection {
  const list = (v: string | undefined): string[] => (v ? v.split(',').filter(Boolean) : []);
  return {
    tweetFields: new Set([...list(query['tweet.fields']), ...list(query['post.fields'])]),
    userFields: new Set(list(query['user.fields'])),
    expansions: new Set(list(query.expansions)),
  };
}

export function renderUser(user: FakeXUser, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: user.id, name: user.name, username: user.username };
  if (fields.has('created_at')) out.created_at = user.createdAt.toISOString();
  if (fields.has('description')) out.description = user.description;
  if (fields.has('verified')) out.verified = user.verified;
  if (fields.has('protected')) out.protected = user.protected;
  if (fields.has('profile_image_url')) out.profile_image_url = user.profileImageUrl;
  if (fields.has('public_metrics')) {
    out.public_metrics = {
      followers_count: user.followers,
      following_count: user.following,
      tweet_count: user.tweetCount,
      listed_count: user.listed,
    };
  }
  return out;
}

export interface Lookup {
  user(id: string): FakeXUser | undefined;
  userByUsername(username: string): FakeXUser | undefined;
  post(id: string): FakeXPost | undefined;
}

export function mentionedUsernames(text: string): { username: string; start: number; end: number }[] {
  const out: { username: string; start: number; end: number }[] = [];
  const re = /(^|[^A-Za-z0-9_])@([A-Za-z0-9_]{1,15})/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const username = m[2] ?? '';
    const start = m.index + (m[1]?.length ?? 0);
    out.push({ username, start, end: start + username.length + 1 });
  }
  return out;
}

function repliedToAuthor(post: FakeXPost, lookup: Lookup): FakeXUser | undefined {
  const ref = post.referencedTweets.find((r) => r.type === 'replied_to');
  const target = ref ? lookup.post(ref.id) : undefined;
  return target ? lookup.user(target.authorId) : undefined;
}

/** X sends post text with `&`, `<` and `>` HTML-encoded (and nothing else): `Q&A <3` arrives as `Q&amp;A &lt;3`. */
export function xEncodedText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderPost(post: FakeXPost, fields: Set<string>, lookup: Lookup): Record<string, unknown> {
  const out: Record<string, unknown> = { id: post.id, text: xEncodedText(post.text), edit_history_tweet_ids: [post.id] };
  if (fields.has('author_id')) out.author_id = post.authorId;
  if (fields.has('created_at')) out.created_at = post.createdAt.toISOString();
  if (fields.has('conversation_id')) out.conversation_id = post.conversationId;
  if (fields.has('lang')) out.lang = post.lang;
  if (fields.has('referenced_tweets') && post.referencedTweets.length > 0) {
    out.referenced_tweets = post.referencedTweets.map((r) => ({ type: r.type, id: r.id }));
  }
  if (fields.has('in_reply_to_user_id')) {
    const author = repliedToAuthor(post, lookup);
    if (author) out.in_reply_to_user_id = author.id;
  }
  if (fields.has('possibly_sensitive')) out.possibly_sensitive = false;
  if (fields.has('reply_settings')) out.reply_settings = 'everyone';
  if (fields.has('public_metrics')) {
    out.public_metrics = { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 };
  }
  if (fields.has('entities')) {
    const mentions = mentionedUsernames(post.text).map((m) => {
      const user = lookup.userByUsername(m.username);
      return { start: m.start, end: m.end, username: m.username, ...(user ? { id: user.id } : {}) };
    });
    if (mentions.length > 0) out.entities = { mentions };
  }
  return out;
}

export interface RenderedPage {
  data: Record<string, unknown>[];
  includes?: { users?: Record<string, unknown>[]; tweets?: Record<string, unknown>[] };
  /** Ids of every post in `data` and `includes.tweets` (for billing accounting). */
  servedIds: string[];
}

export function renderPosts(posts: FakeXPost[], sel: FieldSelection, lookup: Lookup): RenderedPage {
  const data = posts.map((p) => renderPost(p, sel.tweetFields, lookup));
  const servedIds = posts.map((p) => p.id);
  const users = new Map<string, FakeXUser>();
  const tweets = new Map<string, FakeXPost>();
  const addUser = (u: FakeXUser | undefined): void => {
    if (u && !users.has(u.id)) users.set(u.id, u);
  };
  const has = (...names: string[]): boolean => names.some((n) => sel.expansions.has(n));
  for (const post of posts) {
    if (has('author_id')) addUser(lookup.user(post.authorId));
    if (has('in_reply_to_user_id')) addUser(repliedToAuthor(post, lookup));
    if (has('entities.mentions.username')) {
      for (const m of mentionedUsernames(post.text)) addUser(lookup.userByUsername(m.username));
    }
    if (has('referenced_tweets.id', 'referenced_posts', 'referenced_tweets.id.author_id')) {
      for (const ref of post.referencedTweets) {
        const target = lookup.post(ref.id);
        if (!target || target.deleted) continue;
        if (has('referenced_tweets.id', 'referenced_posts') && !tweets.has(target.id)) tweets.set(target.id, target);
        if (has('referenced_tweets.id.author_id')) addUser(lookup.user(target.authorId));
      }
    }
  }
  const page: RenderedPage = { data, servedIds };
  if (users.size > 0 || tweets.size > 0) {
    page.includes = {};
    if (users.size > 0) page.includes.users = [...users.values()].map((u) => renderUser(u, sel.userFields));
    if (tweets.size > 0) {
      page.includes.tweets = [...tweets.values()].map((t) => renderPost(t, sel.tweetFields, lookup));
      servedIds.push(...tweets.keys());
    }
  }
  return page;
}

/** The posts within a timeline request's bounds: since_id and until_id exclusive, older than the page token, start_time inclusive, end_time exclusive. */
export function inBounds(posts: FakeXPost[], query: Record<string, string>, olderThan: string | undefined): FakeXPost[] {
  const start = query.start_time ? Date.parse(query.start_time) : undefined;
  const end = query.end_time ? Date.parse(query.end_time) : undefined;
  return posts.filter((p) => {
    if (query.since_id && compareIds(p.id, query.since_id) <= 0) return false;
    if (query.until_id && compareIds(p.id, query.until_id) >= 0) return false;
    if (olderThan && compareIds(p.id, olderThan) >= 0) return false;
    if (start !== undefined && p.createdAt.getTime() < start) return false;
    if (end !== undefined && p.createdAt.getTime() >= end) return false;
    return true;
  });
}
