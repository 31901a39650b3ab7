import type { Args } from '../http.js';
import { bool, int, str } from '../http.js';
import type { FakeMessage } from '../state.js';
import { compareTs } from '../state.js';
import type { Body, Handler } from './common.js';
import { decodeCursor, encodeCursor, fail, idList, renderMessage } from './common.js';

function inRange(args: Args): (m: FakeMessage) => boolean {
  const oldest = str(args, 'oldest');
  const latest = str(args, 'latest');
  const inclusive = bool(args, 'inclusive');
  return (m) => {
    if (oldest !== undefined) {
      const c = compareTs(m.ts, oldest);
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const c = compareTs(m.ts, latest);
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  };
}

function page<T>(items: readonly T[], args: Args, defaultLimit: number, maxLimit: number): { items: T[]; next: string } | 'invalid' {
  const offset = decodeCursor(args);
  if (offset === 'invalid') return 'invalid';
  const requested = int(args, 'limit');
  const limit = Math.min(requested !== undefined && requested > 0 ? requested : defaultLimit, maxLimit);
  const slice = items.slice(offset, offset + limit);
  return { items: slice, next: offset + limit < items.length ? encodeCursor(offset + limit) : '' };
}

export const history: Handler = ({ args, store }) => {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const newestFirst = store.timeline(channel).filter(inRange(args)).reverse();
  const p = page(newestFirst, args, 100, 999);
  if (p === 'invalid') return fail('invalid_cursor');
  const withMetadata = bool(args, 'include_all_metadata');
  return {
    ok: true,
    messages: p.items.map((m) => renderMessage(store, m, withMetadata)),
    has_more: p.next !== '',
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: p.next },
  };
};

export const replies: Handler = ({ args, store }) => {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const ts = str(args, 'ts');
  const found = ts === undefined ? undefined : store.find(channel, ts);
  if (!found) return fail('thread_not_found');
  const parent = found.thread_ts !== undefined ? store.find(channel, found.thread_ts) : found;
  if (!parent) return fail('thread_not_found');
  const list = [parent, ...store.repliesTo(channel, parent.ts).filter(inRange(args))];
  const p = page(list, args, 1000, 1000);
  if (p === 'invalid') return fail('invalid_cursor');
  const withMetadata = bool(args, 'include_all_metadata');
  return {
    ok: true,
    messages: p.items.map((m) => renderMessage(store, m, withMetadata)),
    has_more: p.next !== '',
    response_metadata: { next_cursor: p.next },
  };
};

export const members: Handler = ({ args, store }) => {
  const channel = str(args, 'channel');
  const list = channel === undefined ? undefined : store.members.get(channel);
  // The fake only knows the membership a test declared with setChannelMembers().
  if (!list) return fail('channel_not_found');
  const p = page(list, args, 100, 1000);
  if (p === 'invalid') return fail('invalid_cursor');
  return { ok: true, members: p.items, response_metadata: { next_cursor: p.next } };
};

/** The fields earshot reads, shaped as Slack answers them; D… ids are DMs, C…/G… channels. */
export const info: Handler = ({ args, store }) => {
  const channel = str(args, 'channel');
  if (channel === undefined || !/^[CGD][A-Z0-9]+$/.test(channel)) return fail('channel_not_found');
  if (channel.startsWith('D')) return { ok: true, channel: { id: channel, is_im: true, is_channel: false, is_group: false, is_private: true } };
  const isPrivate = !store.publicChannels.has(channel);
  return {
    ok: true,
    channel: {
      id: channel,
      name: channel.toLowerCase(),
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: isPrivate,
      is_archived: false,
      is_member: true,
      created: 1_700_000_000,
      ...(store.members.has(channel) ? { num_members: store.members.get(channel)!.length } : {}),
    },
  };
};

export const open: Handler = ({ args, store }) => {
  const channel = str(args, 'channel');
  if (channel !== undefined) return { ok: true, no_op: true, already_open: true, channel: { id: channel } };
  const users = [...new Set(idList(args.users))].sort();
  if (users.length === 0) return fail('users_list_not_supplied');
  if (users.length > 8) return fail('too_many_users');
  const dmKey = users.join(',');
  const existing = store.dms.get(dmKey);
  const id = existing ?? store.nextId(users.length === 1 ? 'D' : 'G');
  if (!existing) store.dms.set(dmKey, id);
  const info: Body = { id };
  if (bool(args, 'return_im')) {
    Object.assign(info, users.length === 1 ? { is_im: true, user: users[0] } : { is_mpim: true }, { created: Math.floor(Date.now() / 1000) });
  }
  return { ok: true, no_op: existing !== undefined, already_open: existing !== undefined, channel: info };
};
