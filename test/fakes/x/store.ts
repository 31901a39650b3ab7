/** What the fake X holds: users, posts in id order, stream rules, what the bot posted and sent, what was served. */
import { SnowflakeIds, compareIds, toDate, type AddPostInput, type AddUserInput, type FakeXPost, type FakeXUser, type Lookup } from './model.js';
import type { OwnTimelineHost } from './own-timeline.js';
import type { MatchablePost } from './query.js';
import type { StreamRule } from './rules.js';

export interface PostedTweet {
  id: string;
  text: string;
  inReplyToTweetId?: string;
  quoteTweetId?: string;
  at: number;
  body: Record<string, unknown>;
}

export interface SentDm {
  participantId: string;
  text: string;
  dmConversationId: string;
  dmEventId: string;
  at: number;
}

export type Brand = { id: string; username: string; name: string };

export class XStore {
  /** Posts created by the bot (POST /2/tweets). */
  readonly tweets: PostedTweet[] = [];
  /** DMs sent by the bot. */
  readonly dms: SentDm[] = [];
  readonly ids = new SnowflakeIds();
  users = new Map<string, FakeXUser>();
  posts = new Map<string, FakeXPost>();
  /** Post ids in ascending id order. */
  private order: string[] = [];
  private served = new Map<string, number>();
  rules: StreamRule[] = [];
  refusingDms = new Set<string>();

  /** `onPost` is told of every post added (the stream pushes it to a matching connection). */
  constructor(
    readonly brand: Brand,
    private readonly onPost: (post: FakeXPost) => void,
  ) {}

  /** Forget everything but the id sequence; the brand user is added again. */
  reset(): void {
    this.tweets.length = 0;
    this.dms.length = 0;
    this.users = new Map();
    this.posts = new Map();
    this.order = [];
    this.served = new Map();
    this.rules = [];
    this.refusingDms = new Set();
    this.addUser({ ...this.brand, followers: 10_000 });
  }

  addUser(input: AddUserInput): FakeXUser {
    const id = input.id ?? this.ids.next();
    if (!/^[0-9]{1,19}$/.test(id)) throw new Error(`user id must be numeric: ${id}`);
    const user: FakeXUser = {
      id,
      username: input.username,
      name: input.name ?? input.username,
      followers: input.followers ?? 0,
      following: input.following ?? 0,
      tweetCount: input.tweetCount ?? 0,
      listed: input.listed ?? 0,
      createdAt: toDate(input.createdAt, new Date('2015-01-01T00:00:00.000Z')),
      description: input.description ?? '',
      verified: input.verified ?? false,
      protected: input.protected ?? false,
      profileImageUrl: `https://pbs.twimg.com/profile_images/${id}/normal.jpg`,
    };
    this.users.set(id, user);
    return user;
  }

  insertPost(input: AddPostInput, flags: { alwaysInSearch: boolean; byBrand: boolean }): FakeXPost {
    const createdAt = toDate(input.createdAt, new Date());
    let id: string;
    if (input.id !== undefined) {
      if (!/^[0-9]{1,19}$/.test(input.id)) throw new Error(`post id must be numeric: ${input.id}`);
      if (this.posts.has(input.id)) throw new Error(`post ${input.id} exists`);
      id = input.id;
      this.ids.observe(id);
    } else {
      id = this.ids.next(createdAt.getTime());
    }
    if (!this.users.has(input.authorId)) {
      this.addUser({ id: input.authorId, username: `user${input.authorId.slice(-6)}`, name: `User ${input.authorId.slice(-6)}` });
    }
    const post: FakeXPost = {
      id,
      text: input.text,
      authorId: input.authorId,
      createdAt,
      conversationId: input.conversationId ?? id,
      referencedTweets: input.referencedTweets ?? [],
      lang: input.lang ?? 'en',
      mentionsBrand: input.mentionsBrand ?? true,
      alwaysInSearch: flags.alwaysInSearch,
      byBrand: flags.byBrand,
      deleted: false,
    };
    this.posts.set(id, post);
    const last = this.order[this.order.length - 1];
    if (last === undefined || compareIds(last, id) < 0) {
      this.order.push(id);
    } else {
      this.order.push(id);
      this.order.sort(compareIds);
    }
    this.onPost(post);
    return post;
  }

  /** Not deleted, newest first. */
  newestFirst(filter: (p: FakeXPost) => boolean): FakeXPost[] {
    const out: FakeXPost[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const post = this.posts.get(this.order[i] ?? '');
      if (post && !post.deleted && filter(post)) out.push(post);
    }
    return out;
  }

  /** What search and stream rules match a post against. */
  matchable(post: FakeXPost): MatchablePost {
    const ref = post.referencedTweets.find((r) => r.type === 'replied_to');
    const target = ref ? this.posts.get(ref.id) : undefined;
    const replyTo = target ? this.users.get(target.authorId) : undefined;
    return {
      text: post.text,
      lang: post.lang,
      authorUsername: this.users.get(post.authorId)?.username ?? '',
      ...(replyTo ? { inReplyToUsername: replyTo.username } : {}),
      referencedTypes: post.referencedTweets.map((r) => r.type),
    };
  }

  countServed(ids: string[]): void {
    for (const id of ids) this.served.set(id, (this.served.get(id) ?? 0) + 1);
  }

  servedCount(postId: string): number {
    return this.served.get(postId) ?? 0;
  }

  totalServed(): number {
    let total = 0;
    for (const n of this.served.values()) total += n;
    return total;
  }

  readonly lookup: Lookup = {
    user: (id) => this.users.get(id),
    userByUsername: (username) => {
      const lower = username.toLowerCase();
      for (const u of this.users.values()) if (u.username.toLowerCase() === lower) return u;
      return undefined;
    },
    post: (id) => this.posts.get(id),
  };

  readonly ownTimeline: OwnTimelineHost = {
    user: (id) => this.users.get(id),
    newestFirst: (filter) => this.newestFirst(filter),
    lookup: this.lookup,
    countServed: (ids) => this.countServed(ids),
  };
}
