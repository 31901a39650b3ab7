import { ApiRequestError, ApiResponseError, ETwitterStreamEvent, TwitterApi } from 'twitter-api-v2';
import type { TweetV2SingleStreamResult } from 'twitter-api-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createXClients, rewriteXUrl, sendDirectMessage } from '../../../src/sources/x/client.js';
import { describeXError } from '../../../src/sources/x/errors.js';
import { FAKE_X_BEARER_TOKEN, FAKE_X_USER_TOKENS, startFakeX, type FakeX } from '../../fakes/x-server.js';
import { PATIENT_MS } from '../../support/patience.js';

let fake: FakeX;

beforeAll(async () => {
  fake = await startFakeX({ heartbeatMs: 100 });
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

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

async function waitUntil(cond: () => boolean, timeoutMs = PATIENT_MS): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createXClients', () => {
  it('installs no plugin for the default base URL', () => {
    const { read, write } = createXClients({ apiUrl: 'https://api.x.com', bearerToken: 'b', user: { ...FAKE_X_USER_TOKENS } });
    expect(read?.getPlugins()).toEqual([]);
    expect(write?.getPlugins()).toEqual([]);
    expect(createXClients({ apiUrl: 'https://api.x.com' })).toEqual({});
  });

  it('rewrites api.x.com, api.twitter.com and upload hosts, keeping path and query', () => {
    const base = new URL('http://127.0.0.1:9001');
    expect(rewriteXUrl('https://api.x.com/2/users/1/mentions?since_id=5', base)).toBe('http://127.0.0.1:9001/2/users/1/mentions?since_id=5');
    expect(rewriteXUrl('https://api.twitter.com/2/tweets', base)).toBe('http://127.0.0.1:9001/2/tweets');
    expect(rewriteXUrl('https://upload.twitter.com/1.1/media/upload.json', base)).toBe('http://127.0.0.1:9001/1.1/media/upload.json');
    expect(rewriteXUrl('https://example.com/x', base)).toBe('https://example.com/x');
    expect(() => createXClients({ apiUrl: 'http://127.0.0.1:9001/prefix', bearerToken: 'b' })).toThrow(/path/);
  });

  it('signs user-context requests with OAuth 1.0a over the rewritten URL', async () => {
    const { write } = clients();
    await write.v2.me();
    const auth = fake.requestsTo('me')[0]?.auth;
    expect(auth).toBe('oauth1');
  });
});

describe('reading through the fake with twitter-api-v2', () => {
  it('looks up users by username', async () => {
    const { read } = clients();
    fake.addUser({ id: '42', username: 'Carol', name: 'Carol C', followers: 1234 });
    const res = await read.v2.userByUsername('carol', { 'user.fields': ['public_metrics'] });
    expect(res.data).toEqual({
      id: '42', name: 'Carol C', username: 'Carol',
      public_metrics: { followers_count: 1234, following_count: 0, tweet_count: 0, listed_count: 0 },
    });
    const missing = await read.v2.userByUsername('nobody');
    expect(missing.data).toBeUndefined();
    expect(missing.errors?.[0]?.detail).toBe('Could not find user with username: [nobody].');
  });

  it('pages the mentions timeline newest first, since_id exclusive, with includes.users', async () => {
    const { read } = clients();
    fake.addUser({ id: '100', username: 'dave', followers: 5000 });
    const old = fake.addPost({ text: '@acme already seen', authorId: '100' });
    const posts = Array.from({ length: 12 }, (_, i) => fake.addPost({ text: `@acme problem ${i}`, authorId: '100' }));

    const paginator = await read.v2.userMentionTimeline(fake.brand.id, {
      since_id: old.id,
      max_results: 5,
      expansions: ['author_id'],
      'tweet.fields': ['created_at', 'author_id', 'conversation_id'],
      'user.fields': ['username', 'name', 'public_metrics'],
    });
    expect(paginator.tweets.map((t) => t.text)).toEqual(['@acme problem 11', '@acme problem 10', '@acme problem 9', '@acme problem 8', '@acme problem 7']);
    expect(paginator.meta.newest_id).toBe(posts[11]!.id);
    expect(paginator.meta.next_token).toBeTruthy();
    expect(paginator.includes.author(paginator.tweets[0]!)?.public_metrics?.followers_count).toBe(5000);

    // The library sends pagination_token plus the original query (since_id, fields) for next pages.
    await paginator.fetchNext();
    await paginator.fetchNext();
    expect(paginator.done).toBe(true);
    expect(paginator.tweets.map((t) => t.id)).toEqual([...posts].reverse().map((p) => p.id));
    const log = fake.requestsTo('mentions');
    expect(log).toHaveLength(3);
    expect(log[1]!.query).toMatchObject({ since_id: old.id, pagination_token: expect.any(String), max_results: '5' });
    expect(fake.servedCount(old.id)).toBe(0);
    expect(fake.totalServed()).toBe(12);
  });

  it('searches recent posts with a simple term matcher', async () => {
    const { read } = clients();
    fake.addUser({ id: '200', username: 'erin' });
    const hit = fake.addPost({ text: 'Acme support is slow today', authorId: '200', mentionsBrand: false });
    fake.addPost({ text: 'RT acme support is slow today', authorId: '200', mentionsBrand: false, referencedTweets: [{ type: 'retweeted', id: hit.id }] });
    fake.addPost({ text: 'nothing to see', authorId: '200', mentionsBrand: false });
    const forced = fake.addSearchPost({ text: 'matched by an operator the fake ignores', authorId: '200' });
    const res = await read.v2.search('(acme OR "acme corp") -is:retweet lang:en', { expansions: ['author_id'] });
    expect(res.tweets.map((t) => t.id)).toEqual([forced.id, hit.id]);
    expect(res.includes.users.map((u) => u.username)).toEqual(['erin']);
  });
});

describe('errors', () => {
  it('surfaces 429 with the reset from x-rate-limit-reset', async () => {
    const { read } = clients();
    fake.exhaust('mentions', 60);
    const err = await caught(read.v2.userMentionTimeline(fake.brand.id));
    expect(err).toBeInstanceOf(ApiResponseError);
    const apiErr = err as ApiResponseError;
    expect(apiErr.code).toBe(429);
    expect(apiErr.rateLimitError).toBe(true);
    expect(apiErr.rateLimit?.remaining).toBe(0);
    const resetSeconds = fake.rateLimitStatus('mentions').reset;
    expect(apiErr.rateLimit?.reset).toBe(resetSeconds);
    const described = describeXError(err);
    expect(described).toMatchObject({ status: 429, code: 'rate_limited', retryable: true });
    expect(described.rateLimitResetAt?.getTime()).toBe(resetSeconds * 1000);
  });

  it('maps 401, 403 other, 404, 5xx and network errors', async () => {
    const bad = createXClients({ apiUrl: fake.url, bearerToken: 'wrong' }).read!;
    expect(describeXError(await caught(bad.v2.userByUsername('acme')))).toMatchObject({ status: 401, code: 'unauthorized', retryable: false });

    const { read, write } = clients();
    expect(describeXError(await caught(read.v2.me()))).toMatchObject({ status: 403, code: 'unsupported_auth', retryable: false });

    fake.failNext('search', 500);
    expect(describeXError(await caught(read.v2.search('acme')))).toMatchObject({ status: 500, code: 'server_error', retryable: true });

    fake.failNext('tweet', 'network');
    const network = await caught(write.v2.tweet('hello'));
    expect(network).toBeInstanceOf(ApiRequestError);
    expect(describeXError(network)).toMatchObject({ status: 0, code: 'network', retryable: true });

    const offline = createXClients({ apiUrl: 'http://127.0.0.1:1', bearerToken: 'b' }).read!;
    expect(describeXError(await caught(offline.v2.userByUsername('acme')))).toMatchObject({ code: 'network', retryable: true });

    const notFound = new ApiResponseError('Request failed with code 404', {
      code: 404, data: { title: 'Not Found Error', detail: 'Could not find tweet', type: 'about:blank' }, headers: {},
      request: {} as never, response: {} as never,
    });
    expect(describeXError(notFound)).toMatchObject({ status: 404, code: 'not_found', retryable: false });
    expect(describeXError(new Error('boom'))).toMatchObject({ status: 0, code: 'unknown', retryable: false });
  });
});

describe('writing through the fake', () => {
  it('replies with reply.in_reply_to_tweet_id and maps duplicate content', async () => {
    const { write } = clients();
    const mention = fake.addPost({ text: '@acme where is my order?', authorId: '300' });
    const sent = await write.v2.reply('Sorry! DM us your order number.', mention.id);
    expect(sent.data.text).toBe('Sorry! DM us your order number.');
    expect((sent.data as { edit_history_tweet_ids?: string[] }).edit_history_tweet_ids).toEqual([sent.data.id]);
    expect(fake.tweets).toHaveLength(1);
    expect(fake.tweets[0]).toMatchObject({ id: sent.data.id, inReplyToTweetId: mention.id });
    expect(fake.tweets[0]!.body).toEqual({ text: 'Sorry! DM us your order number.', reply: { in_reply_to_tweet_id: mention.id } });

    const dup = await caught(write.v2.reply('Sorry! DM us your order number.', mention.id));
    expect((dup as ApiResponseError).data).toEqual({
      detail: 'You are not allowed to create a Tweet with duplicate content.', type: 'about:blank', title: 'Forbidden', status: 403,
    });
    expect(describeXError(dup)).toEqual({
      status: 403, code: 'duplicate_content', reason: 'X says this is a duplicate of a post already sent', retryable: false,
    });

    fake.deletePost(mention.id);
    const gone = await caught(write.v2.reply('Another answer', mention.id));
    expect(describeXError(gone)).toMatchObject({ status: 403, code: 'reply_target_gone' });
    expect(fake.tweets).toHaveLength(1);
  });

  it('sends DMs and maps a refusal', async () => {
    const { write } = clients();
    fake.addUser({ id: '400', username: 'frank' });
    // Library typing bug: the result is typed without `data`, but the body is { data: {...} }.
    const rawDm = (await write.v2.sendDmToParticipant('400', { text: 'Hi Frank, here is your code' })) as unknown as {
      data: { dm_conversation_id: string; dm_event_id: string };
    };
    const [lo, hi] = BigInt(fake.brand.id) < 400n ? [fake.brand.id, '400'] : ['400', fake.brand.id];
    expect(rawDm.data.dm_conversation_id).toBe(`${lo}-${hi}`);
    expect(fake.dms).toEqual([expect.objectContaining({ participantId: '400', text: 'Hi Frank, here is your code', dmEventId: rawDm.data.dm_event_id })]);

    const dm = await sendDirectMessage(write, '400', 'Second message');
    expect(dm).toEqual({ dmConversationId: `${lo}-${hi}`, dmEventId: fake.dms[1]!.dmEventId });

    fake.refuseDms('400');
    const refused = await caught(write.v2.sendDmToParticipant('400', { text: 'again' }));
    expect(describeXError(refused)).toMatchObject({ status: 403, code: 'dm_refused', retryable: false });
  });
});

describe('filtered stream through the fake', () => {
  it('receives a post, reconnects after a drop and receives again', async () => {
    const { read } = clients();
    await read.v2.updateStreamRules({ add: [{ value: '@acme', tag: 'mentions' }] });
    const stream = read.v2.searchStream({
      autoConnect: false,
      expansions: ['author_id'],
      'tweet.fields': ['created_at', 'author_id'],
      'user.fields': ['username', 'public_metrics'],
    });
    const received: TweetV2SingleStreamResult[] = [];
    const events: string[] = [];
    stream.on(ETwitterStreamEvent.Data, (d: TweetV2SingleStreamResult) => received.push(d));
    stream.on(ETwitterStreamEvent.Reconnected, () => events.push('reconnected'));
    stream.on(ETwitterStreamEvent.ConnectionError, () => events.push('connection error'));
    try {
      await stream.connect({ autoReconnect: true, autoReconnectRetries: Infinity, nextRetryTimeout: () => 50 });
      expect(fake.streamConnected).toBe(true);
      const first = fake.addPost({ text: 'hey @acme my app crashes', authorId: '500' });
      await waitUntil(() => received.length === 1);
      expect(received[0]!.data).toMatchObject({ id: first.id, author_id: '500' });

      expect(fake.dropStream()).toBe(true);
      const gap = fake.addPost({ text: '@acme hello? (sent while disconnected)', authorId: '500' });
      await waitUntil(() => events.includes('reconnected') && fake.streamConnected);
      expect(events[0]).toBe('connection error');
      expect(fake.streamConnects).toBe(2);

      const second = fake.addPost({ text: '@acme still broken', authorId: '500' });
      await waitUntil(() => received.length === 2);
      expect(received[1]!.data.id).toBe(second.id);
      // The stream never delivers what was posted while it was down: only polling finds it.
      expect(received.map((r) => r.data.id)).not.toContain(gap.id);
      expect(fake.servedCount(gap.id)).toBe(0);
      expect(fake.servedCount(first.id)).toBe(1);
    } finally {
      stream.close();
    }
  });

  it('keeps retrying while the connection is refused', async () => {
    const { read } = clients();
    fake.failNext('stream', 503, 2);
    const stream = read.v2.searchStream({ autoConnect: false });
    let reconnectErrors = 0;
    let connected = false;
    stream.on(ETwitterStreamEvent.ReconnectError, () => reconnectErrors++);
    // The library says Connected for the first connection that works, however many attempts failed.
    stream.on(ETwitterStreamEvent.Connected, () => (connected = true));
    try {
      // With autoReconnect the initial failure does not throw; retries follow nextRetryTimeout.
      await stream.connect({ autoReconnect: true, autoReconnectRetries: Infinity, nextRetryTimeout: () => 20 });
      await fake.waitForStream(PATIENT_MS);
      // The client has the connection too (the fake sees it first): close() while the request is
      // still on its way would not end it, and that stream would reconnect into the next test.
      await waitUntil(() => connected);
      expect(reconnectErrors).toBe(1);
      expect(fake.requestsTo('stream').map((r) => r.status)).toEqual([503, 503, 200]);
    } finally {
      stream.close();
    }
  });
});

describe('library facts', () => {
  it('TwitterApi.readOnly is the same request maker (bearer)', () => {
    const api = new TwitterApi('token');
    expect(api.readOnly.getActiveTokens()).toEqual({ type: 'oauth2', bearerToken: 'token' });
  });
});
