/**
 * A local fake of the parts of X API v2 earshot uses, answering like X does (status codes,
 * bodies, rate-limit headers, parameter validation from the OpenAPI document), with controls
 * for tests: data, rate limits, fault injection, stream drops and billing accounting.
 *
 * This file holds the controls tests use (about 300 lines: one short method each); the pieces are
 * in ./x/: the store (store.ts), the request pipeline (handler.ts), rate limits and queued faults
 * (rate-limits.ts), the filtered stream (stream.ts) and one module per endpoint group (users.ts,
 * timelines.ts, own-timeline.ts, rules.ts, tweets.ts, dms.ts).
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
import { httpProblem } from './x/errors.js';
import type { AddPostInput, AddUserInput, FakeXPost, FakeXUser } from './x/model.js';
import { brandPostInput, type BrandPostInput } from './x/own-timeline.js';
import { handleXRequest, type FakeXRequest, type XHandlerHost } from './x/handler.js';
import { XLimits, roll, type RateLimitConfig } from './x/rate-limits.js';
import type { StreamRule } from './x/rules.js';
import { X_ENDPOINT_KEYS, loadXSpec, type LoadedSpec, type XEndpointKey } from './x/spec.js';
import { XStore, type PostedTweet, type SentDm } from './x/store.js';
import { XStream } from './x/stream.js';

export type { XEndpointKey } from './x/spec.js';
export { DEFAULT_X_RATE_LIMITS, type RateLimitConfig } from './x/rate-limits.js';
export type { StreamRule } from './x/rules.js';
export type { AddPostInput, AddUserInput, FakeXPost, FakeXUser } from './x/model.js';
export type { FakeXRequest } from './x/handler.js';
export type { PostedTweet, SentDm } from './x/store.js';

/** Credentials the fake accepts by default. */
export const FAKE_X_BEARER_TOKEN = 'fake-x-bearer-token';
export const FAKE_X_USER_TOKENS = {
  appKey: 'fake-x-consumer-key',
  appSecret: 'fake-x-consumer-secret',
  accessToken: 'fake-x-access-token',
  accessSecret: 'fake-x-access-secret',
} as const;

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

export class FakeX extends EventEmitter {
  readonly url: string;
  readonly brand: { id: string; username: string; name: string };
  /** Every request, in arrival order. */
  readonly requests: FakeXRequest[] = [];
  /** Posts created by the bot (POST /2/tweets). */
  readonly tweets: PostedTweet[];
  /** DMs sent by the bot. */
  readonly dms: SentDm[];

  private readonly server: http.Server;
  private readonly spec: LoadedSpec;
  private readonly store: XStore;
  private readonly stream: XStream;
  private readonly limits: XLimits;
  private readonly host: XHandlerHost;
  private latencyMs = 0;

  /** @internal use startFakeX() */
  constructor(server: http.Server, url: string, options: FakeXOptions) {
    super();
    this.server = server;
    this.url = url;
    this.brand = options.brand ?? { id: '1600000000000000001', username: 'acme', name: 'Acme' };
    this.spec = loadXSpec(options.specPath);
    this.store = new XStore(this.brand, (post) => this.stream.push(post));
    this.stream = new XStream(this.store, this, options.heartbeatMs ?? 2000);
    this.limits = new XLimits(options.rateLimits ?? {});
    this.tweets = this.store.tweets;
    this.dms = this.store.dms;
    this.host = {
      requests: this.requests,
      events: this,
      bearerTokens: new Set(options.bearerTokens ?? [FAKE_X_BEARER_TOKEN]),
      spec: this.spec,
      queryMaxLength: options.queryMaxLength ?? 512,
      mentionsReachable: options.mentionsReachable ?? 800,
      latencyMs: () => this.latencyMs,
      limits: this.limits,
      stream: this.stream,
      store: this.store,
    };
    this.resetState();
  }

  /** 'openapi' when the document was found, 'builtin' when the fallback lists are in use. */
  get specSource(): 'openapi' | 'builtin' {
    return this.spec.source;
  }

  /** How many times the filtered stream was (re)connected since the last reset. */
  get streamConnects(): number {
    return this.stream.connects;
  }

  set streamConnects(n: number) {
    this.stream.connects = n;
  }

  // ------------------------------------------------------------------ data control

  addUser(input: AddUserInput): FakeXUser {
    return this.store.addUser(input);
  }

  getUser(id: string): FakeXUser | undefined {
    return this.store.users.get(id);
  }

  /** Add a post; by default it mentions the brand. Pushed to a connected stream when a rule matches. */
  addPost(input: AddPostInput): FakeXPost {
    return this.store.insertPost(input, { alwaysInSearch: false, byBrand: false });
  }

  /** Add a post that every recent-search query finds (and, by default, not in the mentions timeline). */
  addSearchPost(input: AddPostInput): FakeXPost {
    return this.store.insertPost({ mentionsBrand: false, ...input }, { alwaysInSearch: true, byBrand: false });
  }

  /** A post the brand made on X directly (its own timeline; not in the mentions timeline). */
  addBrandPost(input: BrandPostInput): FakeXPost {
    const target = input.inReplyTo !== undefined ? this.store.posts.get(input.inReplyTo) : undefined;
    return this.store.insertPost(brandPostInput(this.brand.id, input, target), { alwaysInSearch: false, byBrand: true });
  }

  getPost(id: string): FakeXPost | undefined {
    return this.store.posts.get(id);
  }

  deletePost(id: string): void {
    const post = this.store.posts.get(id);
    if (!post) throw new Error(`no post ${id}`);
    post.deleted = true;
  }

  /** Make a user refuse (or accept again) DMs from the brand. */
  refuseDms(userId: string, refuse = true): void {
    if (refuse) this.store.refusingDms.add(userId);
    else this.store.refusingDms.delete(userId);
  }

  get streamRules(): readonly StreamRule[] {
    return this.store.rules;
  }

  // ------------------------------------------------------------------ rate limits & faults

  setRateLimit(endpoint: XEndpointKey, config: RateLimitConfig): void {
    this.limits.set(endpoint, config);
  }

  /**
   * Moves the fake's clock on by `ms`: rate-limit windows end and requests are stamped on it, so a
   * test of a window's reset needs no sleep (and no quiet machine). earshot keeps the wall clock.
   */
  advanceClock(ms: number): void {
    this.limits.advance(ms);
  }

  /** Use up the endpoint's window; it resets `resetInSeconds` from now (rounded up to a whole second). */
  exhaust(endpoint: XEndpointKey, resetInSeconds: number): void {
    const bucket = this.limits.bucket(endpoint);
    bucket.remaining = 0;
    bucket.resetAt = Math.ceil((this.limits.now() + resetInSeconds * 1000) / 1000) * 1000;
  }

  rateLimitStatus(endpoint: XEndpointKey): { limit: number; remaining: number; reset: number } {
    const bucket = this.limits.bucket(endpoint);
    roll(bucket, this.limits.now());
    return { limit: bucket.limit, remaining: bucket.remaining, reset: bucket.resetAt / 1000 };
  }

  /** Every endpoint's window back to full (the limits the fake started with) and no queued failures. */
  resetRateLimits(): void {
    this.limits.reset();
  }

  /** The next `times` requests to the endpoint fail with `status` (X's body) or a dropped connection. */
  failNext(endpoint: XEndpointKey, status: number | 'network', times = 1): void {
    this.limits.failNext(endpoint, status, times);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  // ------------------------------------------------------------------ accounting

  servedCount(postId: string): number {
    return this.store.servedCount(postId);
  }

  totalServed(): number {
    return this.store.totalServed();
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
    return this.stream.connected;
  }

  /** Destroy the stream connection (the client sees a disconnect). Returns whether one was open. */
  dropStream(): boolean {
    return this.stream.drop();
  }

  /** Resolves once a stream connection is open (at once if one is). */
  waitForStream(timeoutMs = 5000): Promise<void> {
    return this.stream.waitFor(timeoutMs);
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

  /** @internal */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    return handleXRequest(this.host, req, res);
  }

  private resetState(): void {
    this.requests.length = 0;
    this.stream.connects = 0;
    this.latencyMs = 0;
    this.limits.reset();
    this.store.reset();
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
