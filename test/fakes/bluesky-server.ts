/**
 * A local fake of the Bluesky XRPC endpoints earshot uses (PDS and AppView in one), answering as
 * the service does: lexicon-shaped bodies, errors as `{error, message}`, `ratelimit-*` headers on
 * every answer and 429 `RateLimitExceeded` past a limit, access tokens that expire (`400
 * ExpiredToken`) and refresh tokens that rotate. Controls for tests: add posts by customers, expire
 * sessions, inject failures, count calls.
 *
 * Simplifications (on purpose): one brand account; notifications are created only for posts added
 * through `post()` that mention, reply to or quote the brand; cursors are opaque "older than this
 * item" strings, stable across new arrivals; one rate-limit bucket for reads and one for logins.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cidOf, didOf, nextTid } from './bluesky/ids.js';

export const FAKE_BSKY_BRAND = { handle: 'brand.bsky.social', password: 'fake-app-pass-word', did: didOf('brand') } as const;

export interface FakeBskyPost {
  uri: string;
  cid: string;
  author: { did: string; handle: string; displayName?: string; followersCount: number };
  record: { $type: 'app.bsky.feed.post'; text: string; createdAt: string; facets?: unknown[]; reply?: { root: StrongRef; parent: StrongRef }; embed?: unknown };
  indexedAt: string;
}
export interface StrongRef {
  uri: string;
  cid: string;
}
interface Notification {
  post: FakeBskyPost;
  reason: 'mention' | 'reply' | 'quote';
}
interface Bucket {
  limit: number;
  windowSeconds: number;
  used: number;
  resetAt: number;
}
export interface Failure {
  status: number;
  error: string;
  message: string;
  headers?: Record<string, string>;
}

export interface FakeBluesky {
  url: string;
  posts: FakeBskyPost[];
  calls: { method: string; at: number }[];
  /** A customer's post; a notification for the brand when it mentions, replies to or quotes it. */
  post(o: { handle: string; text: string; displayName?: string; followers?: number; replyTo?: StrongRef & { root?: StrongRef }; reason?: 'mention' | 'reply' | 'quote'; facets?: unknown[]; indexedAt?: Date }): FakeBskyPost;
  /** The brand's own post made in the app (outside earshot). */
  brandPost(o: { text: string; replyTo?: StrongRef & { root?: StrongRef } }): FakeBskyPost;
  /** Every access token issued so far now answers 400 ExpiredToken. */
  expireAccessTokens(): void;
  /** Refresh tokens stop working too: only a new login helps. */
  revokeSessions(): void;
  failNext(method: string, f: Failure, times?: number): void;
  setLimit(kind: 'read' | 'login' | 'write', limit: number, windowSeconds?: number): void;
  count(method: string): number;
  close(): Promise<void>;
}

const dayOf = (d: Date) => d.toISOString();

export async function startFakeBluesky(): Promise<FakeBluesky> {
  const posts: FakeBskyPost[] = [];
  const notifications: Notification[] = [];
  const calls: { method: string; at: number }[] = [];
  const access = new Map<string, 'ok' | 'expired'>();
  const refresh = new Set<string>();
  const failures = new Map<string, Failure[]>();
  const buckets: Record<'read' | 'login' | 'write', Bucket> = {
    read: { limit: 3000, windowSeconds: 300, used: 0, resetAt: 0 },
    login: { limit: 30, windowSeconds: 300, used: 0, resetAt: 0 },
    write: { limit: 1666, windowSeconds: 3600, used: 0, resetAt: 0 },
  };
  let seq = 0;

  const issue = () => {
    const a = `access-${++seq}`;
    const r = `refresh-${seq}`;
    access.set(a, 'ok');
    refresh.add(r);
    return { accessJwt: a, refreshJwt: r, handle: FAKE_BSKY_BRAND.handle, did: FAKE_BSKY_BRAND.did, active: true };
  };

  const makePost = (author: FakeBskyPost['author'], text: string, replyTo: (StrongRef & { root?: StrongRef }) | undefined, facets: unknown[] | undefined, at: Date): FakeBskyPost => {
    const uri = `at://${author.did}/app.bsky.feed.post/${nextTid()}`;
    const record: FakeBskyPost['record'] = { $type: 'app.bsky.feed.post', text, createdAt: dayOf(at) };
    if (facets) record.facets = facets;
    if (replyTo) record.reply = { root: replyTo.root ?? { uri: replyTo.uri, cid: replyTo.cid }, parent: { uri: replyTo.uri, cid: replyTo.cid } };
    const p: FakeBskyPost = { uri, cid: cidOf(uri + text), author, record, indexedAt: dayOf(at) };
    posts.push(p);
    return p;
  };
  const brandAuthor = () => ({ did: FAKE_BSKY_BRAND.did, handle: FAKE_BSKY_BRAND.handle, displayName: 'Brand', followersCount: 5000 });

  const take = (kind: keyof typeof buckets, now: number): Record<string, string> & { limited?: string } => {
    const b = buckets[kind];
    if (now >= b.resetAt) {
      b.used = 0;
      b.resetAt = now + b.windowSeconds * 1000;
    }
    const headers: Record<string, string> = {
      'ratelimit-limit': String(b.limit),
      'ratelimit-policy': `${b.limit};w=${b.windowSeconds}`,
      'ratelimit-reset': String(Math.ceil(b.resetAt / 1000)),
    };
    if (b.used >= b.limit) return { ...headers, 'ratelimit-remaining': '0', limited: '1' };
    b.used++;
    return { ...headers, 'ratelimit-remaining': String(b.limit - b.used) };
  };

  const profile = (a: FakeBskyPost['author']) => ({ did: a.did, handle: a.handle, ...(a.displayName ? { displayName: a.displayName } : {}) });
  const postView = (p: FakeBskyPost) => ({ uri: p.uri, cid: p.cid, author: profile(p.author), record: p.record, indexedAt: p.indexedAt });

  /** Newest first by indexedAt, then by uri; a cursor means "after this item in that order". */
  const page = <T>(items: T[], key: (t: T) => string, cursor: string | undefined, limit: number) => {
    const sorted = [...items].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
    const after = cursor ? Buffer.from(cursor, 'base64url').toString() : undefined;
    const rest = after ? sorted.filter((t) => key(t) < after) : sorted;
    const slice = rest.slice(0, limit);
    const last = slice.at(-1);
    return { slice, cursor: rest.length > limit && last ? Buffer.from(key(last)).toString('base64url') : undefined };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const method = u.pathname.replace(/^\/xrpc\//, '');
      const now = Date.now();
      calls.push({ method, at: now });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      const fail = (status: number, error: string, message: string, headers: Record<string, string> = {}) => send(status, { error, message }, headers);
      const queued = failures.get(method);
      if (queued?.length) {
        const f = queued.shift()!;
        return fail(f.status, f.error, f.message, f.headers);
      }
      const kind = method === 'com.atproto.server.createSession' ? 'login' : method === 'com.atproto.repo.createRecord' ? 'write' : 'read';
      const { limited, ...rl } = take(kind, now);
      if (limited) return fail(429, 'RateLimitExceeded', 'Rate Limit Exceeded', rl);
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      } catch {
        return fail(400, 'InvalidRequest', 'Invalid JSON body', rl);
      }
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (method === 'com.atproto.server.createSession') {
        if (body.identifier !== FAKE_BSKY_BRAND.handle && body.identifier !== FAKE_BSKY_BRAND.did) return fail(401, 'AuthenticationRequired', 'Invalid identifier or password', rl);
        if (body.password !== FAKE_BSKY_BRAND.password) return fail(401, 'AuthenticationRequired', 'Invalid identifier or password', rl);
        return send(200, issue(), rl);
      }
      if (method === 'com.atproto.server.refreshSession') {
        if (!refresh.has(token)) return fail(400, 'ExpiredToken', 'Token has expired', rl);
        refresh.delete(token);
        return send(200, issue(), rl);
      }
      const state = access.get(token);
      if (!token) return fail(401, 'AuthenticationRequired', 'Authentication Required', rl);
      if (state === 'expired') return fail(400, 'ExpiredToken', 'Token has expired', rl);
      if (!state) return fail(401, 'InvalidToken', 'Token could not be verified', rl);
      const limit = Math.min(100, Math.max(1, Number(u.searchParams.get('limit') ?? 50)));
      if (!Number.isFinite(limit)) return fail(400, 'InvalidRequest', 'Error: limit must be an integer', rl);
      switch (method) {
        case 'com.atproto.server.getSession':
          return send(200, { did: FAKE_BSKY_BRAND.did, handle: FAKE_BSKY_BRAND.handle, active: true }, rl);
        case 'app.bsky.notification.listNotifications': {
          const reasons = u.searchParams.getAll('reasons');
          const items = notifications.filter((n) => reasons.length === 0 || reasons.includes(n.reason));
          const p = page(items, (n) => `${n.post.indexedAt}|${n.post.uri}`, u.searchParams.get('cursor') ?? undefined, limit);
          const out = p.slice.map((n) => ({
            uri: n.post.uri,
            cid: n.post.cid,
            author: profile(n.post.author),
            reason: n.reason,
            ...(n.reason !== 'mention' && n.post.record.reply ? { reasonSubject: n.post.record.reply.parent.uri } : {}),
            record: n.post.record,
            isRead: false,
            indexedAt: n.post.indexedAt,
          }));
          return send(200, { notifications: out, ...(p.cursor ? { cursor: p.cursor } : {}) }, rl);
        }
        case 'app.bsky.feed.getAuthorFeed': {
          const actor = u.searchParams.get('actor');
          if (!actor) return fail(400, 'InvalidRequest', 'Error: Params must have the property "actor"', rl);
          const own = posts.filter((p) => p.author.did === actor || p.author.handle === actor);
          const feedFilter = u.searchParams.get('filter') ?? 'posts_with_replies';
          const items = feedFilter === 'posts_no_replies' ? own.filter((p) => !p.record.reply) : own;
          const p = page(items, (x) => `${x.indexedAt}|${x.uri}`, u.searchParams.get('cursor') ?? undefined, limit);
          return send(200, { feed: p.slice.map((x) => ({ post: postView(x) })), ...(p.cursor ? { cursor: p.cursor } : {}) }, rl);
        }
        case 'app.bsky.actor.getProfiles': {
          const actors = u.searchParams.getAll('actors');
          const seen = new Map(posts.map((p) => [p.author.did, p.author]));
          const profiles = actors.map((a) => seen.get(a)).filter((a) => a !== undefined);
          return send(200, { profiles: profiles.map((a) => ({ ...profile(a), followersCount: a.followersCount })) }, rl);
        }
        case 'com.atproto.repo.createRecord': {
          const record = body.record as { text?: unknown; reply?: { root: StrongRef; parent: StrongRef } } | undefined;
          if (body.repo !== FAKE_BSKY_BRAND.did && body.repo !== FAKE_BSKY_BRAND.handle) return fail(400, 'InvalidRequest', 'Input/repo must be the authenticated account', rl);
          if (body.collection !== 'app.bsky.feed.post' || typeof record?.text !== 'string') return fail(400, 'InvalidRequest', 'Input/record must be an app.bsky.feed.post', rl);
          if ([...new Intl.Segmenter().segment(record.text)].length > 300) return fail(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes', rl);
          const parent = record.reply?.parent;
          const p = makePost(brandAuthor(), record.text, parent ? { ...parent, root: record.reply!.root } : undefined, undefined, new Date());
          return send(200, { uri: p.uri, cid: p.cid, validationStatus: 'valid' }, rl);
        }
        default:
          return fail(501, 'MethodNotImplemented', `Method Not Implemented: ${method}`, rl);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    posts,
    calls,
    post(o) {
      const author = { did: didOf(o.handle), handle: o.handle, displayName: o.displayName, followersCount: o.followers ?? 10 };
      const p = makePost(author, o.text, o.replyTo, o.facets, o.indexedAt ?? new Date());
      const reason = o.reason ?? (o.replyTo ? 'reply' : 'mention');
      notifications.push({ post: p, reason });
      return p;
    },
    brandPost: (o) => makePost(brandAuthor(), o.text, o.replyTo, undefined, new Date()),
    expireAccessTokens: () => {
      for (const k of access.keys()) access.set(k, 'expired');
    },
    revokeSessions: () => {
      for (const k of access.keys()) access.set(k, 'expired');
      refresh.clear();
    },
    failNext(method, f, times = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array.from({ length: times }, () => f)]);
    },
    setLimit(kind, limit, windowSeconds) {
      buckets[kind] = { limit, windowSeconds: windowSeconds ?? buckets[kind].windowSeconds, used: 0, resetAt: 0 };
    },
    count: (m) => calls.filter((c) => c.method === m).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
