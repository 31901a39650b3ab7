import { ApiResponseError, ETwitterStreamEvent } from 'twitter-api-v2';
import type { TweetV2SingleStreamResult } from 'twitter-api-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createXClients } from '../../src/sources/x/client.js';
import { FAKE_X_BEARER_TOKEN, FAKE_X_USER_TOKENS, startFakeX, type FakeX } from './x-server.js';
import { PATIENT_MS } from '../support/patience.js';

let fake: FakeX;

beforeAll(async () => {
  fake = await startFakeX({ heartbeatMs: 50 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

function clients() {
  const { read, write } = createXClients({ apiUrl: fake.url, bearerToken: FAKE_X_BEARER_TOKEN, user: { ...FAKE_X_USER_TOKENS } });
  if (!read || !write) throw new Error('clients missing');
  return { read, write };
}

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(fake.url + path, {
    ...init,
    headers: { authorization: `Bearer ${FAKE_X_BEARER_TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function expectApiError(promise: Promise<unknown>): Promise<ApiResponseError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiResponseError);
    return err as ApiResponseError;
  }
  throw new Error('expected the call to fail');
}

describe('fake X: validation against the OpenAPI document', () => {
  it('loads the document', () => {
    expect(fake.specSource).toBe('openapi');
  });

  it('rejects unknown query parameters with X\'s body', async () => {
    const { status, body } = await raw(`/2/users/${fake.brand.id}/mentions?foo=x`);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      errors: [{ parameters: { foo: ['x'] }, message: expect.stringMatching(/^The query parameter \[foo\] is not one of \[id,/) }],
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.twitter.com/2/problems/invalid-request',
    });
  });

  it('checks max_results ranges, field names and id patterns', async () => {
    const { read } = clients();
    const err = await expectApiError(read.v2.userMentionTimeline(fake.brand.id, { max_results: 101 }));
    expect(err.code).toBe(400);
    expect(JSON.stringify(err.data)).toContain('The `max_results` query parameter value [101] is not between 5 and 100');

    const search = await raw('/2/tweets/search/recent?query=acme&max_results=5');
    expect(JSON.stringify(search.body)).toContain('is not between 10 and 100');

    const fields = await raw(`/2/users/${fake.brand.id}/mentions?tweet.fields=created_at,bogus&expansions=author_id`);
    expect(fields.status).toBe(400);
    expect(JSON.stringify(fields.body)).toContain('The `tweet.fields` query parameter value [bogus] is not one of [');

    const since = await raw(`/2/users/${fake.brand.id}/mentions?since_id=abc`);
    expect(JSON.stringify(since.body)).toContain('does not match ^[0-9]{1,19}$');

    const empty = await raw('/2/tweets/search/recent');
    expect(JSON.stringify(empty.body)).toContain('The `query` query parameter can not be empty');

    const long = await raw(`/2/tweets/search/recent?query=${'a'.repeat(513)}`);
    expect(long.status).toBe(400);
  });

  it('falls back to built-in parameter lists when the document is missing', async () => {
    const fallback = await startFakeX({ specPath: '/nonexistent/openapi.json' });
    try {
      expect(fallback.specSource).toBe('builtin');
      const { read } = createXClients({ apiUrl: fallback.url, bearerToken: FAKE_X_BEARER_TOKEN });
      fallback.addPost({ text: '@acme hi', authorId: '9' });
      const page = await read!.v2.userMentionTimeline(fallback.brand.id, {
        max_results: 5, expansions: ['author_id'], 'tweet.fields': ['created_at'], 'user.fields': ['public_metrics'],
      });
      expect(page.tweets).toHaveLength(1);
      const bad = await fetch(`${fallback.url}/2/users/${fallback.brand.id}/mentions?foo=1&max_results=1`, {
        headers: { authorization: `Bearer ${FAKE_X_BEARER_TOKEN}` },
      });
      const body = (await bad.json()) as { errors: { message: string }[] };
      expect(body.errors.map((e) => e.message)).toEqual([
        expect.stringContaining('The query parameter [foo] is not one of [id,since_id'),
        'The `max_results` query parameter value [1] is not between 5 and 100',
      ]);
    } finally {
      await fallback.close();
    }
  });

  it('rejects unknown body fields of POST /2/tweets', async () => {
    const { write } = clients();
    const err = await expectApiError(write.v2.tweet({ text: 'hi', bogus: 1 } as never));
    expect(err.code).toBe(400);
    expect(JSON.stringify(err.data)).toContain('$.bogus: is not defined in the schema');
  });
});

describe('fake X: auth', () => {
  it('answers 401 for a wrong bearer and 403 for app-only writes', async () => {
    const wrong = createXClients({ apiUrl: fake.url, bearerToken: 'nope' }).read;
    const err = await expectApiError(wrong!.v2.userByUsername('acme'));
    expect(err.code).toBe(401);
    expect(err.data).toEqual({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });

    const post = await raw('/2/tweets', { method: 'POST', body: JSON.stringify({ text: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(403);
    expect(post.body).toEqual({
      title: 'Unsupported Authentication',
      detail: 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
      type: 'https://api.twitter.com/2/problems/unsupported-authentication',
      status: 403,
    });
  });

  it('serves /2/users/me with user context only', async () => {
    const { read, write } = clients();
    expect((await write.v2.me()).data).toEqual({ id: fake.brand.id, name: fake.brand.name, username: fake.brand.username });
    expect((await expectApiError(read.v2.me())).code).toBe(403);
  });
});

describe('fake X: rate limits and faults', () => {
  it('sends rate-limit headers and 429 when exhausted, then recovers after the reset', async () => {
    // A window long enough for three requests however busy the machine; the fake's clock ends it.
    fake.setRateLimit('userByUsername', { limit: 2, windowSeconds: 60 });
    const first = await raw('/2/users/by/username/acme');
    expect(first.headers.get('x-rate-limit-limit')).toBe('2');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    const reset = Number(first.headers.get('x-rate-limit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    await raw('/2/users/by/username/acme');
    const limited = await raw('/2/users/by/username/acme');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 });
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    fake.advanceClock(reset * 1000 - Date.now() + 20);
    expect((await raw('/2/users/by/username/acme')).status).toBe(200);
    const log = fake.requestsTo('userByUsername');
    expect(log.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    expect(log[3]!.at).toBeGreaterThanOrEqual(reset * 1000);
  });

  it('injects 5xx bodies and network drops', async () => {
    const { read } = clients();
    fake.failNext('userByUsername', 503, 2);
    expect((await expectApiError(read.v2.userByUsername('acme'))).data).toEqual({
      title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status: 503,
    });
    expect((await expectApiError(read.v2.userByUsername('acme'))).code).toBe(503);
    expect((await read.v2.userByUsername('acme')).data.id).toBe(fake.brand.id);

    fake.failNext('mentions', 'network');
    await expect(read.v2.userMentionTimeline(fake.brand.id)).rejects.toMatchObject({ type: 'request' });
  });
});

describe('fake X: data and accounting', () => {
  it('assigns strictly increasing snowflake-like ids and hides deleted posts', async () => {
    const a = fake.addPost({ text: '@acme a', authorId: '11' });
    const b = fake.addPost({ text: '@acme b', authorId: '11' });
    expect(BigInt(b.id)).toBeGreaterThan(BigInt(a.id));
    expect(a.id).toMatch(/^\d{18,19}$/);
    fake.deletePost(a.id);
    const { read } = clients();
    const page = await read.v2.userMentionTimeline(fake.brand.id);
    expect(page.tweets.map((t) => t.id)).toEqual([b.id]);
  });

  it('answers an unknown username with 200 and an errors array', async () => {
    const { status, body } = await raw('/2/users/by/username/nobody_here');
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [{
        value: 'nobody_here',
        detail: 'Could not find user with username: [nobody_here].',
        title: 'Not Found Error',
        resource_type: 'user',
        parameter: 'username',
        resource_id: 'nobody_here',
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      }],
    });
  });

  it('answers an empty timeline with meta.result_count 0 and no data', async () => {
    const { body } = await raw(`/2/users/${fake.brand.id}/mentions`);
    expect(body).toEqual({ meta: { result_count: 0 } });
  });

  it('only the newest mentions are reachable', async () => {
    const small = await startFakeX({ mentionsReachable: 12 });
    try {
      for (let i = 0; i < 20; i++) small.addPost({ text: `@acme ${i}`, authorId: '5' });
      const { read } = createXClients({ apiUrl: small.url, bearerToken: FAKE_X_BEARER_TOKEN });
      const page = await read!.v2.userMentionTimeline(small.brand.id, { max_results: 100 });
      expect(page.tweets).toHaveLength(12);
      expect(page.tweets[11]!.text).toBe('@acme 8');
    } finally {
      await small.close();
    }
  });

  it('counts every post served by timeline, search and stream', async () => {
    const { read } = clients();
    const p = fake.addPost({ text: '@acme help with my order', authorId: '21' });
    await read.v2.userMentionTimeline(fake.brand.id);
    await read.v2.search('order');
    expect(fake.servedCount(p.id)).toBe(2);
    expect(fake.totalServed()).toBe(2);
  });
});

describe('fake X: filtered stream', () => {
  it('manages rules, pushes matching posts, refuses a second connection and does not backfill', async () => {
    const { read } = clients();
    const dry = await read.v2.updateStreamRules({ add: [{ value: 'acme', tag: 'brand' }] }, { dry_run: true });
    expect(dry.meta.summary.created).toBe(1);
    expect(fake.streamRules).toHaveLength(0);
    const added = await read.v2.updateStreamRules({ add: [{ value: 'acme', tag: 'brand' }, { value: 'acme' }] });
    expect(added.meta.summary).toMatchObject({ created: 1, not_created: 1 });
    expect(added.errors?.[0]).toMatchObject({ title: 'DuplicateRule' });
    const rules = await read.v2.streamRules();
    expect(rules.data.map((r) => r.value)).toEqual(['acme']);

    const stream = read.v2.searchStream({ autoConnect: false, expansions: ['author_id'], 'user.fields': ['public_metrics'] });
    const received: TweetV2SingleStreamResult[] = [];
    let keepAlives = 0;
    stream.on(ETwitterStreamEvent.Data, (d: TweetV2SingleStreamResult) => received.push(d));
    stream.on(ETwitterStreamEvent.DataKeepAlive, () => keepAlives++);
    await stream.connect({ autoReconnect: false });
    try {
      const second = await fetch(`${fake.url}/2/tweets/search/stream`, { headers: { authorization: `Bearer ${FAKE_X_BEARER_TOKEN}` } });
      expect(second.status).toBe(429);
      expect(await second.json()).toEqual({
        title: 'ConnectionException',
        detail: 'This stream is currently at the maximum allowed connection limit.',
        connection_issue: 'TooManyConnections',
        type: 'https://api.twitter.com/2/problems/streaming-connection',
      });

      fake.addUser({ id: '77', username: 'carol', followers: 42 });
      const p = fake.addPost({ text: 'Acme lost my parcel', authorId: '77', mentionsBrand: false });
      fake.addPost({ text: 'unrelated', authorId: '77', mentionsBrand: false });
      await vitestWait(() => received.length === 1 && keepAlives > 0);
      expect(received[0]!.data.id).toBe(p.id);
      expect(received[0]!.matching_rules).toEqual([{ id: rules.data[0]!.id, tag: 'brand' }]);
      expect(received[0]!.includes?.users?.[0]?.public_metrics?.followers_count).toBe(42);
      expect(fake.servedCount(p.id)).toBe(1);

      stream.close();
      await vitestWait(() => !fake.streamConnected);
      const missed = fake.addPost({ text: 'acme, anyone there?', authorId: '77' });
      expect(fake.servedCount(missed.id)).toBe(0);
      const page = await read.v2.userMentionTimeline(fake.brand.id);
      expect(page.tweets.map((t) => t.id)).toEqual([missed.id]);
    } finally {
      stream.close();
    }
  });
});

async function vitestWait(cond: () => boolean, timeoutMs = PATIENT_MS): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
