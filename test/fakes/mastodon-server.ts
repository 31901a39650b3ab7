/**
 * A local fake of the Mastodon REST endpoints earshot uses, answering as Mastodon does: ids as
 * numeric strings, newest first, `Link` headers (rel="next" max_id / rel="prev" min_id),
 * `since_id` (the newest page above the id) versus `min_id` (the page just above it), errors as
 * `{error}` with 401/404/422/429, and X-RateLimit-Limit/Remaining/Reset (an ISO time) headers.
 *
 * Simplifications: one brand account on the instance; other accounts exist only through
 * `mention()`; one rate-limit bucket per token for every authenticated call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_MASTODON_TOKEN = 'fake-mastodon-token';

export interface FakeAccount {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  followers_count: number;
  url: string;
}
export interface FakeStatus {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  language: string | null;
  uri: string;
  url: string;
  content: string;
  account: FakeAccount;
  mentions: { id: string; username: string; acct: string; url: string }[];
}
interface Notification {
  id: string;
  type: string;
  created_at: string;
  account: FakeAccount;
  status?: FakeStatus;
}

export interface FakeMastodon {
  url: string;
  brand: FakeAccount;
  statuses: FakeStatus[];
  maxCharacters: number;
  calls: { method: string; path: string }[];
  mention(o: { acct: string; text: string; displayName?: string; followers?: number; inReplyTo?: string; visibility?: FakeStatus['visibility'] }): FakeStatus;
  /** Something the brand account is notified of that is not a mention (a favourite). */
  favourite(acct: string): void;
  brandStatus(o: { text: string; inReplyTo?: string }): FakeStatus;
  /** From now on the brand's access token is refused (401), or, with `false`, accepted again. */
  revokeToken(revoked?: boolean): void;
  setLimit(limit: number, windowSeconds?: number): void;
  failNext(path: string, status: number, body: unknown, headers?: Record<string, string>): void;
  count(path: string): number;
  close(): Promise<void>;
}

/** As Mastodon counts: each URL as 23 characters, `@user@domain` as `@user`. */
function mastodonLength(text: string): number {
  return [...text.replace(/https?:\/\/\S+/g, '#'.repeat(23)).replace(/@(\w+)@[\w.-]+\w/g, '@$1')].length;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startFakeMastodon(o: { maxCharacters?: number } = {}): Promise<FakeMastodon> {
  let nextId = 110_000_000_000_000_000n;
  const id = () => String((nextId += 1000n));
  let base = '';
  const accounts = new Map<string, FakeAccount>();
  const account = (acct: string, displayName = '', followers = 10): FakeAccount => {
    const existing = accounts.get(acct);
    if (existing) return existing;
    const username = acct.split('@')[0]!;
    const a = { id: id(), username, acct, display_name: displayName, followers_count: followers, url: `${base}/@${acct}` };
    accounts.set(acct, a);
    return a;
  };
  const statuses: FakeStatus[] = [];
  const notifications: Notification[] = [];
  const calls: { method: string; path: string }[] = [];
  const failures = new Map<string, { status: number; body: unknown; headers?: Record<string, string> }[]>();
  const idempotent = new Map<string, FakeStatus>();
  let revoked = false;
  let bucket = { limit: 300, windowSeconds: 300, used: 0, resetAt: 0 };
  const brand = () => accounts.get('brand')!;

  const makeStatus = (author: FakeAccount, text: string, inReplyTo: string | undefined, visibility: FakeStatus['visibility']): FakeStatus => {
    const sid = id();
    const parent = inReplyTo ? statuses.find((s) => s.id === inReplyTo) : undefined;
    const mentioned = [...text.matchAll(/@([\w.]+(?:@[\w.-]+)?)/g)].map((m) => accounts.get(m[1]!)).filter((a) => a !== undefined);
    const html = escapeHtml(text).replace(/@([\w.]+(?:@[\w.-]+)?)/g, (all, acct: string) => (accounts.has(acct) ? `<span class="h-card"><a href="${base}/@${acct}" class="u-url mention">@<span>${acct.split('@')[0]!}</span></a></span>` : all));
    const s: FakeStatus = {
      id: sid,
      created_at: new Date().toISOString(),
      in_reply_to_id: parent?.id ?? null,
      in_reply_to_account_id: parent?.account.id ?? null,
      visibility,
      language: 'en',
      uri: `${base}/users/${author.username}/statuses/${sid}`,
      url: `${base}/@${author.acct}/${sid}`,
      content: `<p>${html.replace(/\n/g, '<br />')}</p>`,
      account: author,
      mentions: mentioned.map((a) => ({ id: a.id, username: a.username, acct: a.acct, url: a.url })),
    };
    statuses.push(s);
    return s;
  };

  /** Mastodon's paging over a newest-first list of items with numeric ids. */
  const page = <T extends { id: string }>(items: T[], q: URLSearchParams, maxLimit: number, path: string) => {
    const cmp = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
    const limit = Math.min(maxLimit, Math.max(1, Number(q.get('limit') ?? 20) || 20));
    let sorted = [...items].sort((a, b) => cmp(b.id, a.id));
    const maxId = q.get('max_id');
    const sinceId = q.get('since_id');
    const minId = q.get('min_id');
    if (maxId) sorted = sorted.filter((i) => cmp(i.id, maxId) < 0);
    if (sinceId) sorted = sorted.filter((i) => cmp(i.id, sinceId) > 0);
    let slice: T[];
    if (minId) {
      const above = sorted.filter((i) => cmp(i.id, minId) > 0);
      slice = above.slice(Math.max(0, above.length - limit));
    } else slice = sorted.slice(0, limit);
    const headers: Record<string, string> = {};
    if (slice.length > 0) {
      const link = (k: string, v: string) => {
        const u = new URL(base + path);
        for (const [key, value] of q) if (!['max_id', 'min_id', 'since_id'].includes(key)) u.searchParams.append(key, value);
        u.searchParams.set(k, v);
        return u.toString();
      };
      headers.link = `<${link('max_id', slice.at(-1)!.id)}>; rel="next", <${link('min_id', slice[0]!.id)}>; rel="prev"`;
    }
    return { slice, headers };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      calls.push({ method: req.method ?? 'GET', path: u.pathname });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      const queued = failures.get(u.pathname);
      if (queued?.length) {
        const f = queued.shift()!;
        return send(f.status, f.body, f.headers);
      }
      if (req.method === 'GET' && u.pathname === '/api/v2/instance') {
        return send(200, { domain: new URL(base).host, title: 'Fake', version: '4.3.0', configuration: { statuses: { max_characters: fake.maxCharacters, max_media_attachments: 4, characters_reserved_per_url: 23 } } });
      }
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (token !== FAKE_MASTODON_TOKEN) return send(401, { error: 'The access token is invalid' });
      if (revoked) return send(401, { error: 'The access token was revoked' });
      const now = Date.now();
      if (now >= bucket.resetAt) bucket = { ...bucket, used: 0, resetAt: now + bucket.windowSeconds * 1000 };
      const rl = (remaining: number) => ({ 'x-ratelimit-limit': String(bucket.limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': new Date(bucket.resetAt).toISOString() });
      if (bucket.used >= bucket.limit) return send(429, { error: 'Too many requests' }, rl(0));
      bucket.used++;
      const headers = rl(bucket.limit - bucket.used);
      if (req.method === 'GET' && u.pathname === '/api/v1/accounts/verify_credentials') return send(200, brand(), headers);
      if (req.method === 'GET' && u.pathname === '/api/v1/notifications') {
        const types = u.searchParams.getAll('types[]');
        const items = notifications.filter((n) => types.length === 0 || types.includes(n.type));
        const p = page(items, u.searchParams, 80, u.pathname);
        return send(200, p.slice, { ...headers, ...p.headers });
      }
      const acctStatuses = /^\/api\/v1\/accounts\/(\d+)\/statuses$/.exec(u.pathname);
      if (req.method === 'GET' && acctStatuses) {
        const owner = [...accounts.values()].find((a) => a.id === acctStatuses[1]);
        if (!owner) return send(404, { error: 'Record not found' }, headers);
        const p = page(statuses.filter((s) => s.account.id === owner.id), u.searchParams, 40, u.pathname);
        return send(200, p.slice, { ...headers, ...p.headers });
      }
      if (req.method === 'POST' && u.pathname === '/api/v1/statuses') {
        let body: Record<string, unknown> = {};
        const raw = Buffer.concat(chunks).toString();
        body = (req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
        const key = req.headers['idempotency-key'];
        if (typeof key === 'string' && idempotent.has(key)) return send(200, idempotent.get(key), headers);
        const text = typeof body.status === 'string' ? body.status : '';
        if (!text.trim()) return send(422, { error: "Validation failed: Text can't be blank" }, headers);
        if (mastodonLength(text) > fake.maxCharacters) return send(422, { error: `Validation failed: Text character limit of ${fake.maxCharacters} exceeded` }, headers);
        const inReplyTo = typeof body.in_reply_to_id === 'string' ? body.in_reply_to_id : undefined;
        if (inReplyTo && !statuses.some((s) => s.id === inReplyTo)) return send(404, { error: 'Record not found' }, headers);
        const visibility = (['public', 'unlisted', 'private', 'direct'] as const).find((v) => v === body.visibility) ?? 'public';
        const s = makeStatus(brand(), text, inReplyTo, visibility);
        if (typeof key === 'string') idempotent.set(key, s);
        return send(200, s, headers);
      }
      return send(404, { error: 'Record not found' }, headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  account('brand', 'Brand', 5000);

  const fake: FakeMastodon = {
    url: base,
    brand: brand(),
    statuses,
    maxCharacters: o.maxCharacters ?? 500,
    calls,
    mention(m) {
      const author = account(m.acct, m.displayName, m.followers);
      const s = makeStatus(author, m.text, m.inReplyTo, m.visibility ?? 'public');
      notifications.push({ id: id(), type: 'mention', created_at: s.created_at, account: author, status: s });
      return s;
    },
    favourite(acct) {
      notifications.push({ id: id(), type: 'favourite', created_at: new Date().toISOString(), account: account(acct) });
    },
    brandStatus: (b) => makeStatus(brand(), b.text, b.inReplyTo, 'public'),
    revokeToken: (revoke = true) => {
      revoked = revoke;
    },
    setLimit(limit, windowSeconds = 300) {
      bucket = { limit, windowSeconds, used: 0, resetAt: 0 };
    },
    failNext(path, status, body, headers) {
      failures.set(path, [...(failures.get(path) ?? []), { status, body, headers }]);
    },
    count: (path) => calls.filter((c) => c.path === path).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
