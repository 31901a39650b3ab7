import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_X_BEARER_TOKEN, startFakeX, type FakeX } from './x-server.js';
import { OWN_TIMELINE_REACHABLE } from './x/own-timeline.js';

let fake: FakeX;

beforeAll(async () => {
  fake = await startFakeX();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

type Page = { data?: { id: string; text: string; referenced_tweets?: { type: string; id: string }[]; in_reply_to_user_id?: string }[]; meta: Record<string, unknown>; includes?: { users?: { id: string }[] }; errors?: { message?: string; detail?: string }[] };

async function get(query: Record<string, string | number> = {}, userId = fake.brand.id): Promise<{ status: number; body: Page; headers: Headers }> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await fetch(`${fake.url}/2/users/${userId}/tweets?${qs}`, { headers: { authorization: `Bearer ${FAKE_X_BEARER_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Page, headers: res.headers };
}

describe('fake X: GET /2/users/:id/tweets', () => {
  it("serves the user's own posts newest first, with the asked fields, pages and rate-limit headers", async () => {
    fake.addUser({ id: '901', username: 'cust901' });
    const ask = fake.addPost({ text: '@acme hi', authorId: '901' });
    const posts = [fake.addBrandPost({ text: 'hello all' }), fake.addBrandPost({ text: '@cust901 hi!', inReplyTo: ask.id }), fake.addBrandPost({ text: 'bye' })];
    const first = await get({ max_results: 5, 'tweet.fields': 'referenced_tweets,in_reply_to_user_id,conversation_id', expansions: 'author_id' });
    expect(first.status).toBe(200);
    expect(first.body.data!.map((p) => p.id)).toEqual([posts[2]!.id, posts[1]!.id, posts[0]!.id]);
    expect(first.body.data![1]).toMatchObject({ referenced_tweets: [{ type: 'replied_to', id: ask.id }], in_reply_to_user_id: '901', conversation_id: ask.conversationId });
    expect(first.body.includes?.users?.map((u) => u.id)).toEqual([fake.brand.id]);
    expect(first.body.meta).toMatchObject({ result_count: 3, newest_id: posts[2]!.id, oldest_id: posts[0]!.id });
    expect(first.body.meta.next_token).toBeUndefined();
    expect(first.headers.get('x-rate-limit-limit')).toBe('1500');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('1499');
    // The customer's post is not on the brand's timeline.
    expect(fake.servedCount(ask.id)).toBe(0);

    const paged = await get({ max_results: 5 });
    expect(paged.body.data).toHaveLength(3);
    for (let i = 0; i < 4; i++) fake.addBrandPost({ text: `more ${i}` });
    const p1 = await get({ max_results: 5 });
    expect(p1.body.meta.next_token).toEqual(expect.any(String));
    const p2 = await get({ max_results: 5, pagination_token: String(p1.body.meta.next_token) });
    expect(p2.body.data).toHaveLength(2);
    expect(p2.body.meta.next_token).toBeUndefined();
    const since = await get({ since_id: posts[1]!.id, until_id: posts[2]!.id });
    expect(since.body).toEqual({ meta: { result_count: 0 } });
  });

  it('leaves out retweets or replies with exclude, counting them in max_results', async () => {
    fake.addUser({ id: '902', username: 'cust902' });
    const ask = fake.addPost({ text: '@acme hi', authorId: '902' });
    fake.addBrandPost({ text: 'one' });
    const reply = fake.addBrandPost({ text: '@cust902 hi', inReplyTo: ask.id });
    const rt = fake.addBrandPost({ text: 'RT @cust902: @acme hi', referencedTweets: [{ type: 'retweeted', id: ask.id }] });
    const noRetweets = await get({ max_results: 5, exclude: 'retweets' });
    expect(noRetweets.body.data!.map((p) => p.id)).not.toContain(rt.id);
    expect(noRetweets.body.data!.map((p) => p.id)).toContain(reply.id);
    const noReplies = await get({ max_results: 5, exclude: 'replies,retweets' });
    expect(noReplies.body.data!.map((p) => p.text)).toEqual(['one']);
    // A page of 5 that holds 2 excluded posts carries 3, and says there are more.
    for (let i = 0; i < 3; i++) fake.addBrandPost({ text: `later ${i}` });
    fake.addBrandPost({ text: 'RT again', referencedTweets: [{ type: 'retweeted', id: ask.id }] });
    const counted = await get({ max_results: 5, exclude: 'retweets' });
    expect(counted.body.meta.result_count).toBe(3);
    expect(counted.body.meta.next_token).toEqual(expect.any(String));
  });

  it('checks its arguments as X does', async () => {
    const cases: [Record<string, string | number>, RegExp][] = [
      [{ max_results: 4 }, /max_results.*between 5 and 100/],
      [{ max_results: 101 }, /max_results.*between 5 and 100/],
      [{ exclude: 'quotes' }, /exclude.*\[quotes\].*not one of/],
      [{ since_id: 'abc' }, /since_id/],
      [{ since_id: '200', until_id: '100' }, /since_id.*less than.*until_id/],
      [{ start_time: '2026-11-24T10:00:00Z', end_time: '2026-11-24T09:00:00Z' }, /start_time.*before.*end_time/],
      [{ pagination_token: 'nope' }, /pagination_token.*not a valid token/],
      [{ next_token: 'x' }, /next_token.*is not one of/],
      [{ 'tweet.fields': 'created_at,bogus' }, /bogus/],
    ];
    for (const [query, message] of cases) {
      const r = await get(query);
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(JSON.stringify(r.body.errors), JSON.stringify(query)).toMatch(message);
    }
    const unknown = await get({}, '12345');
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors?.[0]?.detail).toMatch(/Could not find user with id: \[12345\]/);
  });

  it(`only the ${OWN_TIMELINE_REACHABLE} newest posts are reachable (800 without replies)`, async () => {
    const first = fake.addBrandPost({ text: 'the oldest' });
    for (let i = 0; i < OWN_TIMELINE_REACHABLE; i++) fake.addBrandPost({ text: `post ${i}` });
    const r = await get({ since_id: String(BigInt(first.id) - 1n), max_results: 100 });
    expect(r.body.data!.map((p) => p.id)).not.toContain(first.id);
    let token: string | undefined;
    let seen = 0;
    do {
      const page = await get({ max_results: 100, exclude: 'replies', ...(token ? { pagination_token: token } : {}) });
      seen += page.body.data?.length ?? 0;
      token = page.body.meta.next_token as string | undefined;
    } while (token);
    expect(seen).toBe(800);
  });

  it('a 429 with the headers when the window is used up', async () => {
    fake.exhaust('userTweets', 30);
    const r = await get();
    expect(r.status).toBe(429);
    expect(r.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(Number(r.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });
});
