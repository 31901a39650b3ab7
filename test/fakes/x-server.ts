/**
 * A local fake of the parts of X API v2 earshot uses, answering like X does (status codes,
 * bodies, rate-limit headers, parameter validation from the OpenAPI document), with controls
 * for tests: data, rate limits, fault injection, stream drops and billing accounting.
 *
 * Simplifications (documented, on purpose):
 * - One app and one user (the brand): every endpoint has ONE rate-limit bucket.
 * - OAuth 1.0a is checked for presence (oauth_consumer_key, oauth_token, oauth_signature),
 *   not verified cryptographically.
 * - Search and stream rules use the simple matcher in ./x/query.ts (any term matches).
 * - Recent search covers posts created in the last 7 days; the mentions timeline only the 800
 *   newest mentions (`mentionsReachable`).
 * - Pagination tokens are opaque strings meaning "older than post N"; pages never skip or repeat
 *   posts even when new ones arrive between pages. `next_token` is only sent when more exist.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twitter from 'twitter-text';
import {
  DM_REFUSED,
  DUPLICATE_CONTENT,
  REPLY_TARGET_GONE,
  TEXT_TOO_LONG,
  forbidden,
  httpProblem,
  invalidRequest,
  notFoundRoute,
  resourceNotFound,
  tooManyConnections,
  tooManyRequests,
  unauthorized,
  unsupportedAuthentication,
} from './x/errors.js';
import {
  SnowflakeIds,
  compareIds,
  fieldSelection,
  renderPosts,
  renderUser,
  toDate,
  type AddPostInput,
  type AddUserInput,
  type FakeXPost,
  type FakeXUser,
  type FieldSelection,
  type Lookup,
} from './x/model.js';
import { brandPostInput, getUserTweets, type BrandPostInput, type OwnTimelineHost } from './x/own-timeline.js';
import { compileQuery, matches, type MatchablePost } from './x/query.js';
import { ROUTES, SEVEN_DAYS_MS, decodeToken, encodeToken, parseAuthorization, sleep, type Reply, type Route } from './x/http.js';
import { DEFAULT_X_RATE_LIMITS, rateHeaders, roll, type Bucket, type RateLimitConfig } from './x/rate-limits.js';
import { listRules, updateRules, type StreamRule } from './x/rules.js';
import { X_ENDPOINT_KEYS, loadXSpec, validateBody, validateParams, type LoadedSpec, type XEndpointKey } from './x/spec.js';

export type { XEndpointKey } from './x/spec.js';
export { DEFAULT_X_RATE_LIMITS, type RateLimitConfig } from './x/rate-limits.js';
export type { StreamRule } from './x/rules.js';
export type { AddPostInput, AddUserInput, FakeXPost, FakeXUser } from './x/model.js';

/** Credentials the fake accepts by default. */
export const FAKE_X_BEARER_TOKEN = 'fake-x-bearer-token';
export const FAKE_X_USER_TOKENS = {
  appKey: 'fake-x-consumer-key',
  appSecret: 'fake-x-consumer-secret',
  accessToken: 'fake-x-access-token',
  accessSecret: 'fake-x-access-secret',
} as const;

export interface FakeXRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent; 0 while pending or when the connection was dropped by failNext('network'). */
  status: number;
  /** Arrival time, ms since epoch. */
  at: number;
  endpoint?: XEndpointKey;
  auth: 'bearer' | 'oauth1' | 'none' | 'invalid';
  body?: unknown;
}

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

export interface FakeXOptions {
  port?: number;
  brand?: { id: string; username: string; name: string };
  bearerTokens?: string[];
  /** Interval of the `\r\n` keep-alive on the filtered stream (X: 20 s). Default 2000. */
  heartbeatMs?: number;
  /** Max length of a search query and of a stream rule. Default 512 (the document says 4096). */
  queryMaxLength?: number;
  /** Only this many newest mentions are reachable. Default 800. */
  mentionsReachable?: number;
  rateLimits?: Partial<Record<XEndpointKey, RateLimitConfig>>;
  /** Facts table (see test/fakes/facts.ts); default the committed test/fakes/api-facts.json. A missing file: built-in rules. */
  specPath?: string;
}

interface StreamConnection {
  id: number;
  res: http.ServerResponse;
  fields: FieldSelection;
  heartbeat: NodeJS.Timeout;
  connectedAt: number;
}

export class FakeX extends EventEmitter {
  readonly url: string;
  readonly brand: { id: string; username: string; name: string };
  /** Every request, in arrival order. */
  readonly requests: FakeXRequest[] = [];
  /** Posts created by the bot (POST /2/tweets). */
  readonly tweets: PostedTweet[] = [];
  /** DMs sent by the bot. */
  readonly dms: SentDm[] = [];
  /** How many times the filtered stream was (re)connected since the last reset. */
  streamConnects = 0;

  private readonly server: http.Server;
  private readonly spec: LoadedSpec;
  private readonly bearerTokens: Set<string>;
  private readonly heartbeatMs: number;
  private readonly queryMaxLength: number;
  private readonly mentionsReachable: number;
  private readonly initialRateLimits: Partial<Record<XEndpointKey, RateLimitConfig>>;
  private readonly ids = new SnowflakeIds();
  private users = new Map<string, FakeXUser>();
  private posts = new Map<string, FakeXPost>();
  /** Post ids in ascending id order. */
  private order: string[] = [];
  private served = new Map<string, number>();
  private buckets = new Map<XEndpointKey, Bucket>();
  private failures = new Map<XEndpointKey, { status: number | 'network'; times: number }>();
  private latencyMs = 0;
  private rules: StreamRule[] = [];
  private refusingDms = new Set<string>();
  private stream?: StreamConnection;
  private nextStreamId = 1;

  /** @internal use startFakeX() */
  constructor(server: http.Server, url: string, options: FakeXOptions) {
    super();
    this.server = server;
    this.url = url;
    this.brand = options.brand ?? { id: '1600000000000000001', username: 'acme', name: 'Acme' };
    this.bearerTokens = new Set(options.bearerTokens ?? [FAKE_X_BEARER_TOKEN]);
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.queryMaxLength = options.queryMaxLength ?? 512;
    this.mentionsReachable = options.mentionsReachable ?? 800;
    this.initialRateLimits = options.rateLimits ?? {};
    this.spec = loadXSpec(options.specPath);
    this.resetState();
  }

  /** 'openapi' when the document was found, 'builtin' when the fallback lists are in use. */
  get specSource(): 'openapi' | 'builtin' {
    return this.spec.source;
  }

  // ------------------------------------------------------------------ data control

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

  getUser(id: string): FakeXUser | undefined {
    return this.users.get(id);
  }

  /** Add a post; by default it mentions the brand. Pushed to a connected stream when a rule matches. */
  addPost(input: AddPostInput): FakeXPost {
    return this.insertPost(input, { alwaysInSearch: false, byBrand: false });
  }

  /** Add a post that every recent-search query finds (and, by default, not in the mentions timeline). */
  addSearchPost(input: AddPostInput): FakeXPost {
    return this.insertPost({ mentionsBrand: false, ...input }, { alwaysInSearch: true, byBrand: false });
  }

  /** A post the brand made on X directly (its own timeline; not in the mentions timeline). */
  addBrandPost(input: BrandPostInput): FakeXPost {
    const target = input.inReplyTo !== undefined ? this.posts.get(input.inReplyTo) : undefined;
    return this.insertPost(brandPostInput(this.brand.id, input, target), { alwaysInSearch: false, byBrand: true });
  }

  getPost(id: string): FakeXPost | undefined {
    return this.posts.get(id);
  }

  deletePost(id: string): void {
    const post = this.posts.get(id);
    if (!post) throw new Error(`no post ${id}`);
    post.deleted = true;
  }

  /** Make a user refuse (or accept again) DMs from the brand. */
  refuseDms(userId: string, refuse = true): void {
    if (refuse) this.refusingDms.add(userId);
    else this.refusingDms.delete(userId);
  }

  get streamRules(): readonly StreamRule[] {
    return this.rules;
  }

  // ------------------------------------------------------------------ rate limits & faults

  setRateLimit(endpoint: XEndpointKey, config: RateLimitConfig): void {
    this.buckets.set(endpoint, { ...config, remaining: config.limit, resetAt: 0 });
  }

  /** Use up the endpoint's window; it resets `resetInSeconds` from now (rounded up to a whole second). */
  exhaust(endpoint: XEndpointKey, resetInSeconds: number): void {
    const bucket = this.bucket(endpoint);
    bucket.remaining = 0;
    bucket.resetAt = Math.ceil((Date.now() + resetInSeconds * 1000) / 1000) * 1000;
  }

  rateLimitStatus(endpoint: XEndpointKey): { limit: number; remaining: number; reset: number } {
    const bucket = this.bucket(endpoint);
    roll(bucket);
    return { limit: bucket.limit, remaining: bucket.remaining, reset: bucket.resetAt / 1000 };
  }

  /** Every endpoint's window back to full (the limits the fake started with) and no queued failures. */
  resetRateLimits(): void {
    this.buckets = new Map();
    this.failures = new Map();
    for (const [key, config] of Object.entries(this.initialRateLimits) as [XEndpointKey, RateLimitConfig][]) {
      this.setRateLimit(key, config);
    }
  }

  /** The next `times` requests to the endpoint fail with `status` (X's body) or a dropped connection. */
  failNext(endpoint: XEndpointKey, status: number | 'network', times = 1): void {
    this.failures.set(endpoint, { status, times });
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  // ------------------------------------------------------------------ accounting

  servedCount(postId: string): number {
    return this.served.get(postId) ?? 0;
  }

  totalServed(): number {
    let total = 0;
    for (const n of this.served.values()) total += n;
    return total;
  }

  requestsTo(endpoint: XEndpointKey): FakeXRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  /** Resolves with the next completed request to `endpoint`. */
  waitForRequest(endpoint: XEndpointKey, timeoutMs = 5000): Promise<FakeXRequest> {
    return new Promise((resolve, reject) => {
      const onRequest = (r: FakeXRequest): void => {
        if (r.endpoint !== endpoint) return;
        clearTimeout(timer);
        this.off('request', onRequest);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.off('request', onRequest);
        reject(new Error(`no request to ${endpoint} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('request', onRequest);
    });
  }

  // ------------------------------------------------------------------ stream control

  get streamConnected(): boolean {
    return this.stream !== undefined;
  }

  /** Destroy the stream connection (the client sees a disconnect). Returns whether one was open. */
  dropStream(): boolean {
    const conn = this.stream;
    if (!conn) return false;
    this.closeStream(conn);
    conn.res.destroy();
    return true;
  }

  /** Resolves once a stream connection is open (at once if one is). */
  waitForStream(timeoutMs = 5000): Promise<void> {
    if (this.stream) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('streamConnected', onConnect);
        reject(new Error(`no stream connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('streamConnected', onConnect);
    });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Forget all data, rules, requests, limits and faults; drops the stream. Keeps the brand user. */
  reset(): void {
    this.dropStream();
    this.resetState();
  }

  async close(): Promise<void> {
    this.dropStream();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------ internals

  private resetState(): void {
    this.requests.length = 0;
    this.tweets.length = 0;
    this.dms.length = 0;
    this.streamConnects = 0;
    this.users = new Map();
    this.posts = new Map();
    this.order = [];
    this.served = new Map();
    this.buckets = new Map();
    this.failures = new Map();
    this.latencyMs = 0;
    this.rules = [];
    this.refusingDms = new Set();
    for (const [key, config] of Object.entries(this.initialRateLimits) as [XEndpointKey, RateLimitConfig][]) {
      this.setRateLimit(key, config);
    }
    this.addUser({ ...this.brand, followers: 10_000 });
  }

  private readonly lookup: Lookup = {
    user: (id) => this.users.get(id),
    userByUsername: (username) => {
      const lower = username.toLowerCase();
      for (const u of this.users.values()) if (u.username.toLowerCase() === lower) return u;
      return undefined;
    },
    post: (id) => this.posts.get(id),
  };

  private readonly ownTimeline: OwnTimelineHost = {
    user: (id) => this.users.get(id),
    newestFirst: (filter) => this.newestFirst(filter),
    lookup: this.lookup,
    countServed: (ids) => this.countServed(ids),
  };

  private insertPost(input: AddPostInput, flags: { alwaysInSearch: boolean; byBrand: boolean }): FakeXPost {
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
    this.pushToStream(post);
    return post;
  }

  private matchable(post: FakeXPost): MatchablePost {
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

  private countServed(ids: string[]): void {
    for (const id of ids) this.served.set(id, (this.served.get(id) ?? 0) + 1);
  }

  private bucket(endpoint: XEndpointKey): Bucket {
    let bucket = this.buckets.get(endpoint);
    if (!bucket) {
      const config = DEFAULT_X_RATE_LIMITS[endpoint];
      bucket = { ...config, remaining: config.limit, resetAt: 0 };
      this.buckets.set(endpoint, bucket);
    }
    return bucket;
  }

  private send(res: http.ServerResponse, entry: FakeXRequest, reply: Reply): void {
    entry.status = reply.status;
    const json = JSON.stringify(reply.body);
    const problem = reply.status >= 400;
    res.writeHead(reply.status, {
      'content-type': problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(json)),
      ...reply.headers,
    });
    res.end(json);
    this.emit('request', entry);
  }

  /** @internal */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-x.local');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = parseAuthorization(req.headers.authorization);
    const entry: FakeXRequest = {
      method,
      path: url.pathname,
      query,
      status: 0,
      at: Date.now(),
      auth: auth.kind,
    };
    this.requests.push(entry);

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');

    if (this.latencyMs > 0) await sleep(this.latencyMs);

    let route: Route | undefined;
    let captures: string[] = [];
    for (const r of ROUTES) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(url.pathname);
      if (m) {
        route = r;
        captures = m.slice(1).map((c) => decodeURIComponent(c ?? ''));
        break;
      }
    }
    if (!route) {
      this.send(res, entry, notFoundRoute());
      return;
    }
    entry.endpoint = route.key;
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, i) => {
      pathParams[name] = captures[i] ?? '';
    });

    // Authentication
    let principal: 'app' | 'user';
    if (auth.kind === 'bearer' && this.bearerTokens.has(auth.token)) {
      principal = 'app';
    } else if (auth.kind === 'oauth1' && auth.params.oauth_consumer_key && auth.params.oauth_token && auth.params.oauth_signature) {
      principal = 'user';
    } else {
      if (auth.kind === 'bearer' || auth.kind === 'oauth1') entry.auth = 'invalid';
      this.send(res, entry, unauthorized());
      return;
    }
    if (route.auth !== 'any' && route.auth !== principal) {
      this.send(res, entry, unsupportedAuthentication(principal));
      return;
    }

    // Rate limit: every authenticated request counts
    const bucket = this.bucket(route.key);
    roll(bucket);
    if (bucket.remaining <= 0) {
      this.send(res, entry, { ...tooManyRequests(), headers: rateHeaders(bucket) });
      return;
    }
    bucket.remaining -= 1;
    const headers = rateHeaders(bucket);

    // Injected faults
    const failure = this.failures.get(route.key);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      if (failure.times === 0) this.failures.delete(route.key);
      if (failure.status === 'network') {
        entry.status = 0;
        req.socket.destroy();
        this.emit('request', entry);
        return;
      }
      this.send(res, entry, { ...httpProblem(failure.status), headers });
      return;
    }

    // Parameters
    const spec = this.spec.endpoints[route.key];
    const paramErrors = validateParams(spec, query, pathParams, {
      query: { maxLength: this.queryMaxLength },
    });
    if (paramErrors.length > 0) {
      this.send(res, entry, { ...invalidRequest(paramErrors), headers });
      return;
    }

    let body: unknown;
    if (method === 'POST') {
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        this.send(res, entry, { ...invalidRequest([{ message: 'Request body is not valid JSON.' }]), headers });
        return;
      }
      entry.body = body;
      if (body === undefined) {
        this.send(res, entry, { ...invalidRequest([{ message: 'Request body is required.' }]), headers });
        return;
      }
      const bodyErrors = validateBody(spec.body, body);
      if (bodyErrors.length > 0) {
        this.send(res, entry, { ...invalidRequest(bodyErrors.map((message) => ({ message }))), headers });
        return;
      }
    }

    if (route.key === 'stream') {
      this.openStream(res, entry, query, headers);
      return;
    }
    const reply = this.dispatch(route.key, query, pathParams, body as Record<string, unknown> | undefined);
    this.send(res, entry, { ...reply, headers: { ...headers, ...reply.headers } });
  }

  private dispatch(
    key: Exclude<XEndpointKey, 'stream'>,
    query: Record<string, string>,
    pathParams: Record<string, string>,
    body: Record<string, unknown> | undefined,
  ): Reply {
    switch (key) {
      case 'userByUsername':
        return this.getUserByUsername(pathParams.username ?? '', query);
      case 'me':
        return this.getMe(query);
      case 'mentions':
        return this.getMentions(pathParams.id ?? '', query);
      case 'userTweets':
        return getUserTweets(this.ownTimeline, pathParams.id ?? '', query);
      case 'search':
        return this.getSearch(query);
      case 'rules':
        return this.getRules(query);
      case 'rulesUpdate':
        return this.updateRules(query, body ?? {});
      case 'tweet':
        return this.createTweet(body ?? {});
      case 'dm':
        return this.sendDm(pathParams.participant_id ?? '', body ?? {});
      default: {
        const never: never = key;
        throw new Error(`unhandled endpoint ${String(never)}`);
      }
    }
  }

  private userPayload(user: FakeXUser, query: Record<string, string>): Record<string, unknown> {
    return { data: renderUser(user, fieldSelection(query).userFields) };
  }

  private getUserByUsername(username: string, query: Record<string, string>): Reply {
    const user = this.lookup.userByUsername(username);
    if (!user) {
      return {
        status: 200,
        body: { errors: [resourceNotFound('user', 'username', username, `Could not find user with username: [${username}].`)] },
      };
    }
    return { status: 200, body: this.userPayload(user, query) };
  }

  private getMe(query: Record<string, string>): Reply {
    const user = this.users.get(this.brand.id);
    if (!user) throw new Error('brand user missing');
    return { status: 200, body: this.userPayload(user, query) };
  }

  /** Newest first, filtered by since/until/start/end, one page after the token. */
  private timelinePage(
    candidates: FakeXPost[],
    query: Record<string, string>,
    maxResults: number,
    tokenParam: string | undefined,
    tokenName: string,
  ): Reply {
    const olderThan = tokenParam !== undefined ? decodeToken(tokenParam) : undefined;
    if (tokenParam !== undefined && olderThan === undefined) {
      return invalidRequest([{
        parameters: { [tokenName]: [tokenParam] },
        message: `The \`${tokenName}\` query parameter value [${tokenParam}] is not a valid token`,
      }]);
    }
    const start = query.start_time ? Date.parse(query.start_time) : undefined;
    const end = query.end_time ? Date.parse(query.end_time) : undefined;
    const filtered = candidates.filter((p) => {
      if (query.since_id && compareIds(p.id, query.since_id) <= 0) return false;
      if (query.until_id && compareIds(p.id, query.until_id) >= 0) return false;
      if (olderThan && compareIds(p.id, olderThan) >= 0) return false;
      if (start !== undefined && p.createdAt.getTime() < start) return false;
      if (end !== undefined && p.createdAt.getTime() >= end) return false;
      return true;
    });
    const pagePosts = filtered.slice(0, maxResults);
    if (pagePosts.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const rendered = renderPosts(pagePosts, fieldSelection(query), this.lookup);
    this.countServed(rendered.servedIds);
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

  private newestFirst(filter: (p: FakeXPost) => boolean): FakeXPost[] {
    const out: FakeXPost[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const post = this.posts.get(this.order[i] ?? '');
      if (post && !post.deleted && filter(post)) out.push(post);
    }
    return out;
  }

  private getMentions(userId: string, query: Record<string, string>): Reply {
    if (!this.users.has(userId)) {
      return {
        status: 200,
        body: { errors: [resourceNotFound('user', 'id', userId, `Could not find user with id: [${userId}].`)] },
      };
    }
    const candidates = userId === this.brand.id
      ? this.newestFirst((p) => p.mentionsBrand).slice(0, this.mentionsReachable)
      : [];
    const max = query.max_results ? Number(query.max_results) : 10;
    return this.timelinePage(candidates, query, max, query.pagination_token, 'pagination_token');
  }

  private getSearch(query: Record<string, string>): Reply {
    const compiled = compileQuery(query.query ?? '');
    const horizon = Date.now() - SEVEN_DAYS_MS;
    const candidates = this.newestFirst(
      (p) => p.createdAt.getTime() >= horizon && (p.alwaysInSearch || matches(compiled, this.matchable(p))),
    );
    const max = query.max_results ? Number(query.max_results) : 10;
    const token = query.next_token ?? query.pagination_token;
    return this.timelinePage(candidates, query, max, token, query.next_token !== undefined ? 'next_token' : 'pagination_token');
  }

  // ---- filtered stream

  private openStream(
    res: http.ServerResponse,
    entry: FakeXRequest,
    query: Record<string, string>,
    headers: Record<string, string>,
  ): void {
    if (this.stream) {
      this.send(res, entry, { ...tooManyConnections(), headers });
      return;
    }
    entry.status = 200;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.flushHeaders();
    const conn: StreamConnection = {
      id: this.nextStreamId++,
      res,
      fields: fieldSelection(query),
      heartbeat: setInterval(() => {
        if (!res.destroyed) res.write('\r\n');
      }, this.heartbeatMs),
      connectedAt: Date.now(),
    };
    conn.heartbeat.unref();
    this.stream = conn;
    this.streamConnects += 1;
    const onGone = (): void => {
      if (this.stream === conn) this.closeStream(conn);
    };
    // Only the response: on Node >= 16 `req` emits 'close' as soon as its (empty) body is read.
    res.on('close', onGone);
    this.emit('request', entry);
    this.emit('streamConnected', conn.id);
  }

  private closeStream(conn: StreamConnection): void {
    clearInterval(conn.heartbeat);
    if (this.stream === conn) {
      this.stream = undefined;
      this.emit('streamDisconnected', conn.id);
    }
  }

  private pushToStream(post: FakeXPost): void {
    const conn = this.stream;
    if (!conn || post.deleted || conn.res.destroyed) return;
    const matchable = this.matchable(post);
    const matched = this.rules.filter((r) => matches(compileQuery(r.value), matchable));
    if (matched.length === 0) return;
    const rendered = renderPosts([post], conn.fields, this.lookup);
    const payload: Record<string, unknown> = { data: rendered.data[0] };
    if (rendered.includes) payload.includes = rendered.includes;
    payload.matching_rules = matched.map((r) => ({ id: r.id, ...(r.tag !== undefined ? { tag: r.tag } : {}) }));
    this.countServed(rendered.servedIds);
    conn.res.write(`${JSON.stringify(payload)}\r\n`);
  }

  private getRules(query: Record<string, string>): Reply {
    return listRules(this.rules, query);
  }

  private updateRules(query: Record<string, string>, body: Record<string, unknown>): Reply {
    const state = { rules: this.rules };
    const reply = updateRules(state, query, body, { maxLength: this.queryMaxLength, nextId: () => this.ids.next() });
    this.rules = state.rules;
    return reply;
  }

  // ---- writes

  private createTweet(body: Record<string, unknown>): Reply {
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
      target = this.posts.get(replyTo);
      if (!target || target.deleted) return forbidden(REPLY_TARGET_GONE);
    }
    if (text !== undefined && this.tweets.some((t) => t.text === text && !this.posts.get(t.id)?.deleted)) {
      return forbidden(DUPLICATE_CONTENT);
    }
    const quote = typeof body.quote_tweet_id === 'string' ? body.quote_tweet_id : undefined;
    const post = this.insertPost(
      {
        text: text ?? '',
        authorId: this.brand.id,
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
    this.tweets.push(record);
    this.emit('tweet', record);
    return { status: 201, body: { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } } };
  }

  private sendDm(participantId: string, body: Record<string, unknown>): Reply {
    if (this.refusingDms.has(participantId)) return forbidden(DM_REFUSED);
    const text = typeof body.text === 'string' ? body.text : '';
    if (!text && body.attachments === undefined) {
      return invalidRequest([{ message: '$: At least one of `text`, `attachments` is required' }]);
    }
    const [a, b] = [this.brand.id, participantId].sort(compareIds);
    const dm: SentDm = {
      participantId,
      text,
      dmConversationId: `${a}-${b}`,
      dmEventId: this.ids.next(),
      at: Date.now(),
    };
    this.dms.push(dm);
    this.emit('dm', dm);
    return { status: 201, body: { data: { dm_conversation_id: dm.dmConversationId, dm_event_id: dm.dmEventId } } };
  }
}

export async function startFakeX(options: FakeXOptions = {}): Promise<FakeX> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const fake = new FakeX(server, `http://127.0.0.1:${port}`, options);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    fake.handle(req, res).catch((err: unknown) => {
      console.error('fake X: handler failed', err);
      if (!res.headersSent) {
        const body = JSON.stringify(httpProblem(500).body);
        res.writeHead(500, { 'content-type': 'application/problem+json' }).end(body);
      } else {
        res.destroy();
      }
    });
  });
  return fake;
}

export { X_ENDPOINT_KEYS };
