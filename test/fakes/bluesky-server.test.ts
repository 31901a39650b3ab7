import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BSKY_BRAND, startFakeBluesky, type FakeBluesky } from './bluesky-server.js';

// A fake per test: the tests run in any order, and one's posts (notifications) and rate limits
// would show up in another's pages.
let fake: FakeBluesky;
beforeEach(async () => {
  fake = await startFakeBluesky();
});
afterEach(() => fake.close());

async function xrpc(method: string, o: { token?: string; body?: unknown; query?: string } = {}) {
  const res = await fetch(`${fake.url}/xrpc/${method}${o.query ? `?${o.query}` : ''}`, {
    method: o.body === undefined ? 'GET' : 'POST',
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function login() {
  const r = await xrpc('com.atproto.server.createSession', { body: { identifier: FAKE_BSKY_BRAND.handle, password: FAKE_BSKY_BRAND.password } });
  expect(r.status).toBe(200);
  return r.body as { accessJwt: string; refreshJwt: string; did: string };
}

describe('fake Bluesky', () => {
  it('logs in, refuses a wrong password with {error, message}, and sends ratelimit headers', async () => {
    const bad = await xrpc('com.atproto.server.createSession', { body: { identifier: FAKE_BSKY_BRAND.handle, password: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
    expect(bad.headers.get('ratelimit-limit')).toBe('30');
    expect(Number(bad.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const s = await login();
    expect(s.did).toBe(FAKE_BSKY_BRAND.did);
  });

  it('expires access tokens (400 ExpiredToken) and rotates refresh tokens', async () => {
    const s = await login();
    fake.expireAccessTokens();
    const expired = await xrpc('app.bsky.notification.listNotifications', { token: s.accessJwt });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('ExpiredToken');
    const refreshed = await xrpc('com.atproto.server.refreshSession', { token: s.refreshJwt, body: {} });
    expect(refreshed.status).toBe(200);
    const again = await xrpc('com.atproto.server.refreshSession', { token: s.refreshJwt, body: {} });
    expect(again.body.error).toBe('ExpiredToken');
    const ok = await xrpc('app.bsky.notification.listNotifications', { token: (refreshed.body as { accessJwt: string }).accessJwt });
    expect(ok.status).toBe(200);
  });

  it('pages notifications newest first with a cursor that neither skips nor repeats when new ones arrive', async () => {
    const s = await login();
    const made = Array.from({ length: 5 }, (_, i) => fake.post({ handle: `c${i}.bsky.social`, text: `@brand.bsky.social help ${i}`, indexedAt: new Date(Date.UTC(2026, 0, 1, 0, i)) }));
    const p1 = await xrpc('app.bsky.notification.listNotifications', { token: s.accessJwt, query: 'limit=2&reasons=mention' });
    const first = p1.body.notifications as { uri: string; reason: string; cid: string }[];
    expect(first.map((n) => n.uri)).toEqual([made[4]!.uri, made[3]!.uri]);
    expect(first[0]!.cid).toMatch(/^bafyrei[a-z2-7]{52}$/);
    fake.post({ handle: 'late.bsky.social', text: '@brand.bsky.social me too', indexedAt: new Date(Date.UTC(2026, 0, 1, 1)) });
    const p2 = await xrpc('app.bsky.notification.listNotifications', { token: s.accessJwt, query: `limit=2&reasons=mention&cursor=${p1.body.cursor as string}` });
    expect((p2.body.notifications as { uri: string }[]).map((n) => n.uri)).toEqual([made[2]!.uri, made[1]!.uri]);
    const p3 = await xrpc('app.bsky.notification.listNotifications', { token: s.accessJwt, query: `limit=2&reasons=mention&cursor=${p2.body.cursor as string}` });
    expect((p3.body.notifications as { uri: string }[]).map((n) => n.uri)).toEqual([made[0]!.uri]);
    expect(p3.body.cursor).toBeUndefined();
  });

  it('answers 429 RateLimitExceeded with remaining 0 past the limit', async () => {
    const s = await login();
    fake.setLimit('read', 1, 300);
    expect((await xrpc('app.bsky.actor.getProfiles', { token: s.accessJwt, query: 'actors=x' })).status).toBe(200);
    const limited = await xrpc('app.bsky.actor.getProfiles', { token: s.accessJwt, query: 'actors=x' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('RateLimitExceeded');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    fake.setLimit('read', 3000, 300);
  });

  it('refuses posts over 300 graphemes and threads replies', async () => {
    const s = await login();
    const long = await xrpc('com.atproto.repo.createRecord', { token: s.accessJwt, body: { repo: s.did, collection: 'app.bsky.feed.post', record: { text: 'é'.repeat(301), createdAt: new Date().toISOString() } } });
    expect(long.status).toBe(400);
    expect(long.body.message).toMatch(/300 graphemes/);
    const emoji = await xrpc('com.atproto.repo.createRecord', { token: s.accessJwt, body: { repo: s.did, collection: 'app.bsky.feed.post', record: { text: '👍🏽'.repeat(300), createdAt: new Date().toISOString() } } });
    expect(emoji.status).toBe(200);
    const parent = fake.post({ handle: 'q.bsky.social', text: '@brand.bsky.social ?' });
    const r = await xrpc('com.atproto.repo.createRecord', { token: s.accessJwt, body: { repo: s.did, collection: 'app.bsky.feed.post', record: { text: 'hi', createdAt: new Date().toISOString(), reply: { root: { uri: parent.uri, cid: parent.cid }, parent: { uri: parent.uri, cid: parent.cid } } } } });
    expect(r.status).toBe(200);
    const mine = fake.posts.find((p) => p.uri === (r.body.uri as string));
    expect(mine?.record.reply?.parent.uri).toBe(parent.uri);
    const feed = await xrpc('app.bsky.feed.getAuthorFeed', { token: s.accessJwt, query: `actor=${s.did}` });
    expect((feed.body.feed as { post: { uri: string } }[]).map((f) => f.post.uri)).toContain(r.body.uri);
  });
});
