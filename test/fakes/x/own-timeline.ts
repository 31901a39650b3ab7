/**
 * `GET /2/users/:id/tweets` of the fake X: a user's own posts, newest first, as X serves them.
 * - Only the 3,200 newest posts of the user are reachable (800 with `exclude=replies`); older
 *   ones are never served, whatever the bounds.
 * - `max_results` (default 10) counts the posts `exclude` leaves out: a page may hold fewer.
 * - `since_id` / `until_id` are exclusive; with both, since_id must be less than until_id; with
 *   both times, start_time must be earlier than end_time (the OpenAPI document's rules).
 * - Pagination tokens are opaque and belong to this endpoint; a page never repeats or skips posts
 *   when new ones arrive between pages. `next_token` is only sent when more exist.
 */
import { invalidRequest, resourceNotFound, type XErrorReply } from './errors.js';
import { compareIds, fieldSelection, inBounds, renderPosts, type AddPostInput, type FakeXPost, type FakeXUser, type Lookup } from './model.js';

export const OWN_TIMELINE_REACHABLE = 3200;
export const OWN_TIMELINE_REACHABLE_WITHOUT_REPLIES = 800;

/** What the endpoint needs of the fake's store. */
export interface OwnTimelineHost {
  user(id: string): FakeXUser | undefined;
  /** Not deleted, newest first. */
  newestFirst(filter: (p: FakeXPost) => boolean): FakeXPost[];
  lookup: Lookup;
  countServed(ids: string[]): void;
}

const TOKEN_PREFIX = 'zldjwf';

function encodeToken(olderThanId: string): string {
  return TOKEN_PREFIX + BigInt(olderThanId).toString(36);
}

function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const digits = token.slice(TOKEN_PREFIX.length);
  if (!/^[0-9a-z]{1,14}$/.test(digits)) return undefined;
  let n = 0n;
  for (const ch of digits) n = n * 36n + BigInt(parseInt(ch, 36));
  return n.toString();
}

function excluded(post: FakeXPost, exclude: ReadonlySet<string>): boolean {
  if (exclude.has('replies') && post.referencedTweets.some((r) => r.type === 'replied_to')) return true;
  if (exclude.has('retweets') && post.referencedTweets.some((r) => r.type === 'retweeted')) return true;
  return false;
}

export function getUserTweets(host: OwnTimelineHost, userId: string, query: Record<string, string>): XErrorReply {
  if (!host.user(userId)) {
    return { status: 200, body: { errors: [resourceNotFound('user', 'id', userId, `Could not find user with id: [${userId}].`)] } };
  }
  if (query.since_id && query.until_id && compareIds(query.since_id, query.until_id) >= 0) {
    return invalidRequest([{ parameters: { since_id: [query.since_id], until_id: [query.until_id] }, message: 'The `since_id` query parameter value must be less than the `until_id` query parameter value' }]);
  }
  const start = query.start_time ? Date.parse(query.start_time) : undefined;
  const end = query.end_time ? Date.parse(query.end_time) : undefined;
  if (start !== undefined && end !== undefined && start >= end) {
    return invalidRequest([{ parameters: { start_time: [query.start_time ?? ''], end_time: [query.end_time ?? ''] }, message: 'The `start_time` query parameter value must be before the `end_time` query parameter value' }]);
  }
  const token = query.pagination_token;
  const olderThan = token !== undefined ? decodeToken(token) : undefined;
  if (token !== undefined && olderThan === undefined) {
    return invalidRequest([{ parameters: { pagination_token: [token] }, message: `The \`pagination_token\` query parameter value [${token}] is not a valid token` }]);
  }
  const exclude = new Set((query.exclude ?? '').split(',').filter((e) => e.length > 0));
  const reachable = exclude.has('replies') ? OWN_TIMELINE_REACHABLE_WITHOUT_REPLIES : OWN_TIMELINE_REACHABLE;
  const timeline = host.newestFirst((p) => p.authorId === userId).slice(0, reachable);
  const bounded = inBounds(timeline, query, olderThan);
  const max = query.max_results ? Number(query.max_results) : 10;
  const slice = bounded.slice(0, max);
  const lastOfSlice = slice[slice.length - 1];
  const more = bounded.length > slice.length && lastOfSlice !== undefined;
  const posts = slice.filter((p) => !excluded(p, exclude));
  const meta: Record<string, unknown> = { result_count: posts.length };
  if (posts.length === 0) {
    if (more) meta.next_token = encodeToken(lastOfSlice.id);
    return { status: 200, body: { meta } };
  }
  const rendered = renderPosts(posts, fieldSelection(query), host.lookup);
  host.countServed(rendered.servedIds);
  meta.newest_id = posts[0]?.id;
  meta.oldest_id = posts[posts.length - 1]?.id;
  if (more) meta.next_token = encodeToken(lastOfSlice.id);
  const body: Record<string, unknown> = { data: rendered.data };
  if (rendered.includes) body.includes = rendered.includes;
  body.meta = meta;
  return { status: 200, body };
}

/** A post by the brand made on X directly (not through earshot); `inReplyTo` makes it a reply in that post's thread. */
export interface BrandPostInput extends Omit<AddPostInput, 'authorId' | 'mentionsBrand'> {
  inReplyTo?: string;
}

export function brandPostInput(brandId: string, input: BrandPostInput, target: FakeXPost | undefined): AddPostInput {
  if (input.inReplyTo !== undefined && !target) throw new Error(`no post ${input.inReplyTo} to reply to`);
  const { inReplyTo, ...rest } = input;
  return {
    ...rest,
    authorId: brandId,
    mentionsBrand: false,
    ...(target ? { conversationId: input.conversationId ?? target.conversationId } : {}),
    referencedTweets: [...(inReplyTo !== undefined ? [{ type: 'replied_to' as const, id: inReplyTo }] : []), ...(input.referencedTweets ?? [])],
  };
}
