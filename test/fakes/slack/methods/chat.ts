import { bool, str } from '../http.js';
import type { FakeMessage } from '../state.js';
import { FAKE_BOT_USER_ID } from '../state.js';
import type { Handler } from './common.js';
import { fail, messageContent, parseMetadata, renderMessage } from './common.js';

export const postMessage: Handler = (ctx) => {
  const { args, store } = ctx;
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const content = messageContent(ctx, true);
  if (!content.ok) return content.body;
  const meta = parseMetadata(args);
  if (!meta.ok) return meta.body;
  let threadTs = str(args, 'thread_ts');
  if (threadTs !== undefined) {
    const parent = store.find(channel, threadTs);
    // Slack files a reply to a reply under the thread's parent; a ts that names no message is refused.
    if (!parent) return fail('invalid_thread_ts');
    threadTs = parent.thread_ts ?? parent.ts;
  }
  const m: FakeMessage = { channel, ts: store.nextTs(), ...content.content, edits: 0, user: FAKE_BOT_USER_ID };
  if (threadTs !== undefined) {
    m.thread_ts = threadTs;
    if (bool(args, 'reply_broadcast')) m.reply_broadcast = true;
  }
  if (meta.metadata) m.metadata = meta.metadata;
  store.add(m);
  return { ok: true, channel, ts: m.ts, message: renderMessage(store, m, true) };
};

export const update: Handler = (ctx) => {
  const { args, store } = ctx;
  const channel = str(args, 'channel')!;
  const m = store.find(channel, str(args, 'ts')!);
  if (!m) return fail('message_not_found');
  if (m.user !== FAKE_BOT_USER_ID) return fail('cant_update_message');
  const content = messageContent(ctx, true);
  if (!content.ok) return content.body;
  const meta = parseMetadata(args);
  if (!meta.ok) return meta.body;
  const { text, blocks, attachments } = content.content;
  if (text !== undefined) m.text = text;
  if (blocks !== undefined) m.blocks = blocks;
  if (attachments !== undefined) m.attachments = attachments;
  if (meta.metadata) m.metadata = meta.metadata;
  m.edits += 1;
  m.edited_ts = store.nextTs();
  return { ok: true, channel, ts: m.ts, text: m.text ?? '', message: renderMessage(store, m, true) };
};

export const del: Handler = ({ args, store }) => {
  const channel = str(args, 'channel')!;
  const m = store.find(channel, str(args, 'ts')!);
  if (!m) return fail('message_not_found');
  if (m.user !== FAKE_BOT_USER_ID) return fail('cant_delete_message');
  store.remove(m);
  return { ok: true, channel, ts: m.ts };
};

export const postEphemeral: Handler = (ctx) => {
  const { args, store } = ctx;
  const channel = str(args, 'channel')!;
  const user = str(args, 'user')!;
  const members = store.members.get(channel);
  // Only enforced where the test declared the channel's membership.
  if (members && !members.includes(user)) return fail('user_not_in_channel');
  const content = messageContent(ctx, true);
  if (!content.ok) return content.body;
  const messageTs = store.nextTs();
  const threadTs = str(args, 'thread_ts');
  store.ephemerals.push({
    channel,
    user,
    ...content.content,
    ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
    message_ts: messageTs,
  });
  return { ok: true, message_ts: messageTs };
};

export const getPermalink: Handler = ({ args, store }) => {
  const channel = str(args, 'channel')!;
  const m = store.find(channel, str(args, 'message_ts')!);
  if (!m) return fail('message_not_found');
  let permalink = `https://fake.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`;
  if (m.thread_ts !== undefined) permalink += `?thread_ts=${m.thread_ts}&cid=${channel}`;
  return { ok: true, channel, permalink };
};
