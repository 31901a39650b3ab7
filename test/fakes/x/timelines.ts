/**
 * `GET /2/users/:id/mentions` and `GET /2/tweets/search/recent` of the fake X: newest first, one
 * page after the token. Only the `mentionsReachable` newest mentions are served; search covers
 * the last 7 days.
 */
import { invalidRequest, resourceNotFound } from './errors.js';
import { fieldSelection, inBounds, renderPosts, type FakeXPost } from './model.js';
import { compileQuery, matches } from './query.js';
import { SEVEN_DAYS_MS, decodeToken, encodeToken, type Reply } from './http.js';
import type { XStore } from './store.js';

/** Newest first, filtered by since/until/start/end, one page after the token. */
function timelinePage(store: XStore, candidates: FakeXPost[], query: Record<string, string>, maxResults: number, tokenParam: string | undefined, tokenName: string): Reply {
  const olderThan = tokenParam !== undefined ? decodeToken(tokenParam) : undefined;
  if (tokenParam !== undefined && olderThan === undefined) {
    return invalidRequest([{
      parameters: { [tokenName]: [tokenParam] },
      message: `The \`${tokenName}\` query parameter value [${tokenParam}] is not a valid token`,
    }]);
  }
  const filtered = inBounds(candidates, query, olderThan);
  const pagePosts = filtered.slice(0, maxResults);
  if (pagePosts.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
  const rendered = renderPosts(pagePosts, fieldSelection(query), store.lookup);
  store.countServed(rendered.servedIds);
  const newest = pagePosts[0];
  const oldest = pagePosts[pagePosts.length - 1];
  const meta: Record<string, unknown> = {
    result_count: pagePosts.length,
    newest_id: newest?.id,
    oldest_id: oldest?.id,
  };
  if (filtered.length > pagePosts.length && oldest) meta.next_token = encodeToken(oldest.id);
  const body: Record<string, unknown> = { data: rendered.data };
  if (rendered.includes) body.includes = rendered.includes;
  body.meta = meta;
  return { status: 200, body };
}

export function getMentions(store: XStore, mentionsReachable: number, userId: string, query: Record<string, string>): Reply {
  if (!store.users.has(userId)) {
    return {
      status: 200,
      body: { errors: [resourceNotFound('user', 'id', userId, `Could not find user with id: [${userId}].`)] },
    };
  }
  const candidates = userId === store.brand.id
    ? store.newestFirst((p) => p.mentionsBrand).slice(0, mentionsReachable)
    : [];
  const max = query.max_results ? Number(query.max_results) : 10;
  return timelinePage(store, candidates, query, max, query.pagination_token, 'pagination_token');
}

export function getSearch(store: XStore, query: Record<string, string>): Reply {
  const compiled = compileQuery(query.query ?? '');
  const horizon = Date.now() - SEVEN_DAYS_MS;
  const candidates = store.newestFirst(
    (p) => p.createdAt.getTime() >= horizon && (p.alwaysInSearch || matches(compiled, store.matchable(p))),
  );
  const max = query.max_results ? Number(query.max_results) : 10;
  const token = query.next_token ?? query.pagination_token;
  return timelinePage(store, candidates, query, max, token, query.next_token !== undefined ? 'next_token' : 'pagination_token');
}
