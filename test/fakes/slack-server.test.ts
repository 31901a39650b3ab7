import { ErrorCode, LogLevel, WebClient, type KnownBlock, type Logger, type ModalView, type WebClientOptions } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './slack-server.js';

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function client(fake: FakeSlack, token = 'xoxb-test', extra: WebClientOptions = {}): WebClient {
  return new WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silent, ...extra });
}

/** The rejection of a Web API call, for asserting on code/data. */
interface CallFailure {
  code?: string;
  data: { error?: string; response_metadata: { messages: string[] } };
  retryAfter?: number;
  statusCode?: number;
}
async function failure(p: Promise<unknown>): Promise<CallFailure> {
  try {
    await p;
  } catch (err) {
    return err as CallFailure;
  }
  throw new Error('expected the call to fail');
}

const section = (text: string, block_id?: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text }, ...(block_id ? { block_id } : {}) });
/** Payloads that are wrong on purpose, past the client's types. */
const raw = (blocks: unknown[]): KnownBlock[] => blocks as KnownBlock[];

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let slack: WebClient;

  beforeAll(async () => {
    fake = await startFakeSlack();
    slack = client(fake);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('loads the OpenAPI spec and answers auth.test', async () => {
    expect(fake.specSource).toBe('spec');
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await slack.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0FAKEBOT', bot_id: 'B0FAKEBOT', team_id: 'T0FAKE0001' });
  });

  it('round-trips chat.postMessage with blocks, metadata and a thread', async () => {
    const blocks = [section('*New mention* from @alice'), { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Claim' }, action_id: 'claim', value: 'm1' }] }];
    const metadata = { event_type: 'mention_card', event_payload: { mention_id: 42 } };
    const res = await slack.chat.postMessage({ channel: 'C1', text: 'New mention', blocks, metadata });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('C1');
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message?.blocks).toEqual(blocks);
    expect(res.message?.metadata).toEqual(metadata);

    const reply = await slack.chat.postMessage({ channel: 'C1', thread_ts: res.ts!, text: 'claimed', reply_broadcast: true });
    expect(Number(reply.ts)).toBeGreaterThan(Number(res.ts));

    const [card] = fake.topLevel('C1');
    expect(card).toMatchObject({ text: 'New mention', blocks, metadata, edits: 0, user: 'U0FAKEBOT' });
    expect(fake.thread('C1', res.ts!)).toMatchObject([{ text: 'claimed', thread_ts: res.ts, reply_broadcast: true }]);
    expect(fake.messages('C1')).toHaveLength(2);
    expect(fake.okCalls('chat.postMessage')[0]!.args).toMatchObject({ channel: 'C1', blocks, metadata });

    await slack.chat.update({ channel: 'C1', ts: res.ts!, text: 'Claimed by bob', blocks: [section('Claimed')] });
    expect(fake.topLevel('C1')[0]).toMatchObject({ text: 'Claimed by bob', edits: 1 });
  });

  it('answers auth and method errors like Slack', async () => {
    expect((await failure(client(fake, '').auth.test())).data?.error).toBe('not_authed');
    expect((await failure(client(fake, 'xoxp-user').auth.test())).data?.error).toBe('invalid_auth');
    expect((await failure(slack.apiCall('chat.postMessages', { channel: 'C1', text: 'x' }))).data?.error).toBe('unknown_method');
    expect(fake.calls.map((c) => [c.method, c.status, c.ok])).toEqual([
      ['auth.test', 200, false],
      ['auth.test', 200, false],
      ['chat.postMessages', 200, false],
    ]);
  });

  it('checks required arguments', async () => {
    const noChannel = await failure(slack.apiCall('chat.postMessage', { text: 'hi' }));
    expect(noChannel.code).toBe(ErrorCode.PlatformError);
    expect(noChannel.data.error).toBe('channel_not_found');
    expect((await failure(slack.apiCall('chat.postMessage', { channel: 'C1' }))).data.error).toBe('no_text');
    const noTs = await failure(slack.apiCall('chat.update', { channel: 'C1', text: 'x' }));
    expect(noTs.data).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: ts'] } });
    expect((await failure(slack.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }))).data.error).toBe('message_not_found');
  });

  it('rejects invalid blocks with Slack error pointers', async () => {
    const tooMany = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }));
    expect(tooMany.data.error).toBe('invalid_blocks');
    expect(tooMany.data.response_metadata.messages[0]).toMatch(/\[ERROR\] no more than 50 items allowed \[json-pointer:\/blocks\]/);

    const long = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('a'.repeat(3001))] }));
    expect(long.data.response_metadata.messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);

    const option = (i: number) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `v${i}` });
    const overflow = { type: 'overflow', action_id: 'more', options: Array.from({ length: 6 }, (_, i) => option(i)) };
    const six = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x', blocks: raw([{ ...section('menu'), accessory: overflow }]) }));
    expect(six.data.response_metadata.messages).toEqual(['[ERROR] no more than 5 items allowed [json-pointer:/blocks/0/accessory/options]']);

    const dupes = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('a', 'b1'), section('b', 'b1')] }));
    expect(dupes.data.response_metadata.messages[0]).toContain('duplicate block_id');
    expect(fake.messages()).toHaveLength(0);
  });

  it('accepts blocks without fallback text but logs a warning', async () => {
    await slack.chat.postMessage({ channel: 'C1', blocks: [section('only blocks')] } as never);
    expect(fake.callsTo('chat.postMessage')[0]!.warnings).toEqual(['missing_text']);
  });

  it('makes trigger ids single-use and validates modals', async () => {
    const view: ModalView = { type: 'modal', callback_id: 'reply', title: { type: 'plain_text', text: 'Reply' }, blocks: [section('hi')] };
    const opened = await slack.views.open({ trigger_id: '123.abc', view });
    expect(opened.view?.id).toMatch(/^V/);
    expect((await failure(slack.views.open({ trigger_id: '123.abc', view }))).data.error).toBe('expired_trigger_id');
    const badTitle = await failure(slack.views.open({ trigger_id: '456.def', view: { ...view, title: { type: 'plain_text', text: 'x'.repeat(25) } } }));
    expect(badTitle.data).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
    });
    const updated = await slack.views.update({ view_id: opened.view!.id!, view: { ...view, title: { type: 'plain_text', text: 'Sent' } } });
    expect(fake.views.byId.get(updated.view!.id!)?.title).toEqual({ type: 'plain_text', text: 'Sent' });
    expect(fake.views.opened).toHaveLength(1);
  });

  it('returns message metadata from history only with include_all_metadata, newest first', async () => {
    const metadata = { event_type: 'mention_card', event_payload: { mention_id: 7 } };
    const first = await slack.chat.postMessage({ channel: 'C2', text: 'one', metadata });
    await slack.chat.postMessage({ channel: 'C2', text: 'reply', thread_ts: first.ts! });
    await slack.chat.postMessage({ channel: 'C2', text: 'two' });

    const plain = await slack.conversations.history({ channel: 'C2' });
    expect(plain.messages?.map((m) => m.text)).toEqual(['two', 'one']);
    expect(plain.messages?.[1]).not.toHaveProperty('metadata');
    expect(plain.messages?.[1]).toMatchObject({ reply_count: 1, thread_ts: first.ts });

    const withMeta = await slack.conversations.history({ channel: 'C2', include_all_metadata: true, limit: 1 });
    expect(withMeta.messages).toHaveLength(1);
    expect(withMeta.has_more).toBe(true);
    const next = await slack.conversations.history({ channel: 'C2', include_all_metadata: true, cursor: withMeta.response_metadata!.next_cursor! });
    expect(next.messages?.[0]?.metadata).toEqual(metadata);

    const thread = await slack.conversations.replies({ channel: 'C2', ts: first.ts!, include_all_metadata: true });
    expect(thread.messages?.map((m) => m.text)).toEqual(['one', 'reply']);
  });

  it('looks up usergroups, users and channel members', async () => {
    fake.setUsergroup('S1', ['U1', 'U2']);
    expect((await slack.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1', 'U2']);
    expect((await failure(slack.usergroups.users.list({ usergroup: 'S9' }))).data.error).toBe('no_such_subteam');
    fake.addUser({ id: 'U1', name: 'alice', real_name: 'Alice A', tz: 'Europe/Berlin' });
    expect((await slack.users.info({ user: 'U1' })).user).toMatchObject({ id: 'U1', name: 'alice', tz: 'Europe/Berlin', profile: { real_name: 'Alice A' } });
    expect((await failure(slack.users.info({ user: 'U9' }))).data.error).toBe('user_not_found');
    fake.setChannelMembers('C1', ['U1']);
    expect((await slack.conversations.members({ channel: 'C1' })).members).toEqual(['U1']);
    const dm = await slack.conversations.open({ users: 'U1' });
    expect(dm.channel?.id).toMatch(/^D/);
    expect((await slack.conversations.open({ users: 'U1' })).channel?.id).toBe(dm.channel?.id);
    expect((await failure(slack.chat.postEphemeral({ channel: 'C1', user: 'U2', text: 'psst' }))).data.error).toBe('user_not_in_channel');
    await slack.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'psst' });
    expect(fake.ephemerals).toMatchObject([{ channel: 'C1', user: 'U1', text: 'psst' }]);
  });

  it('uploads a file through filesUploadV2', async () => {
    const res = await slack.filesUploadV2({ channel_id: 'C3', content: 'id,first_response\n1,12', filename: 'report.csv', title: 'Weekly report', initial_comment: 'Report' });
    expect(res.ok).toBe(true);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]).toMatchObject({ filename: 'report.csv', channel: 'C3', title: 'Weekly report' });
    expect(fake.uploads[0]!.content.toString()).toBe('id,first_response\n1,12');
    expect(fake.topLevel('C3')[0]).toMatchObject({ text: 'Report', files: [{ id: fake.uploads[0]!.fileId }] });
    expect(fake.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload_url', 'files.completeUploadExternal']);
  });

  it('injects 429, 5xx and Slack errors with failNext', async () => {
    fake.failNext('chat.postMessage', { retryAfter: 7 });
    const limited = await failure(client(fake, 'xoxb-test', { rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(7);

    fake.failNext('chat.postMessage', { status: 503 });
    const down = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(down.code).toBe(ErrorCode.HTTPError);
    expect(down.statusCode).toBe(503);

    fake.failNext('chat.update', { error: 'edit_window_closed', times: 2 });
    const { ts } = await slack.chat.postMessage({ channel: 'C1', text: 'x' });
    for (let i = 0; i < 2; i++) expect((await failure(slack.chat.update({ channel: 'C1', ts: ts!, text: 'y' }))).data.error).toBe('edit_window_closed');
    await slack.chat.update({ channel: 'C1', ts: ts!, text: 'y' });
    expect(fake.messages('C1')).toHaveLength(1);
  });

  it('commits then drops the connection with timeout-after-commit (a retry posts twice)', async () => {
    fake.failNext('chat.postMessage', { kind: 'timeout-after-commit' });
    const lost = await failure(slack.chat.postMessage({ channel: 'C1', text: 'once' }));
    expect(lost.code).toBe(ErrorCode.RequestError);
    expect(fake.messages('C1')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ status: 0, fault: 'timeout-after-commit' });

    fake.failNext('chat.postMessage', { kind: 'timeout-after-commit' });
    const retrying = client(fake, 'xoxb-test', { retryConfig: { retries: 1, minTimeout: 5, maxTimeout: 5 } });
    await retrying.chat.postMessage({ channel: 'C1', text: 'twice' });
    expect(fake.messages('C1').filter((m) => m.text === 'twice')).toHaveLength(2);
  });

  it('makes failRate deterministic with a seed', async () => {
    const run = async (): Promise<boolean[]> => {
      fake.reset();
      fake.failRate('*', { probability: 0.5, kinds: ['500'], seed: 42 });
      const out: boolean[] = [];
      for (let i = 0; i < 12; i++) out.push(await slack.auth.test().then(() => true, () => false));
      return out;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
  });

  it('records response_url posts and applies replace_original to the origin', async () => {
    const { ts } = await slack.chat.postMessage({ channel: 'C1', text: 'card' });
    const url = fake.responseUrl('r1', { channel: 'C1', ts: ts! });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'updated' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(fake.responses('r1')).toEqual([{ replace_original: true, text: 'updated' }]);
    expect(fake.topLevel('C1')[0]).toMatchObject({ text: 'updated', edits: 1 });
  });

  it('waitFor rejects with a clear message', async () => {
    await expect(fake.waitFor(() => fake.messages().length > 0, 60, 'a card')).rejects.toThrow(/waitFor "a card" timed out after 60 ms/);
  });
});

describe('fake Slack rate limits', () => {
  it('paces chat.postMessage per channel: burst, then 429 with Retry-After', async () => {
    const fake = await startFakeSlack({ postMessage: { perSecond: 1, burst: 3 }, methodLimits: { 'chat.update': { perMinute: 2 } } });
    try {
      const slack = client(fake, 'xoxb-test', { rejectRateLimitedCalls: true });
      for (let i = 0; i < 3; i++) await slack.chat.postMessage({ channel: 'C1', text: `m${i}` });
      const limited = await failure(slack.chat.postMessage({ channel: 'C1', text: 'one too many' }));
      expect(limited.code).toBe(ErrorCode.RateLimitedError);
      expect(limited.retryAfter).toBe(1);
      await slack.chat.postMessage({ channel: 'C2', text: 'other channel has its own bucket' });
      expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 200, 200, 429, 200]);

      const { ts } = await slack.chat.postMessage({ channel: 'C3', text: 'x' });
      await slack.chat.update({ channel: 'C3', ts: ts!, text: 'y' });
      await slack.chat.update({ channel: 'C3', ts: ts!, text: 'z' });
      expect((await failure(slack.chat.update({ channel: 'C3', ts: ts!, text: 'w' }))).retryAfter).toBe(30);
    } finally {
      await fake.close();
    }
  });

  it('falls back to the built-in argument table without the spec file', async () => {
    const fake = await startFakeSlack({ specPath: '/nonexistent/web-api.openapi.json' });
    try {
      expect(fake.specSource).toBe('builtin');
      const slack = client(fake);
      expect((await failure(slack.apiCall('chat.postMessage', { text: 'x' }))).data.error).toBe('channel_not_found');
      expect((await failure(slack.apiCall('files.getUploadURLExternal', { filename: 'a' }))).data.response_metadata.messages).toEqual([
        '[ERROR] missing required field: length',
      ]);
    } finally {
      await fake.close();
    }
  });
});
