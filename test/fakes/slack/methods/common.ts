import { validateMessageBlocks } from '../block-kit.js';
import type { Args } from '../http.js';
import { str } from '../http.js';
import type { FakeMessage, MessageMetadata, SlackStore } from '../state.js';
import { FAKE_APP_ID, FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../state.js';

export type Body = Record<string, unknown>;

export interface MethodContext {
  args: Args;
  store: SlackStore;
  /** e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  /** Accepted-with-a-warning notes for the call log (e.g. missing_text). */
  warnings: string[];
}

export type Handler = (ctx: MethodContext) => Body;

export function fail(error: string, messages?: string[]): Body {
  return messages && messages.length > 0 ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

export function missingField(name: string): Body {
  return fail('invalid_arguments', [`[ERROR] missing required field: ${name}`]);
}

export type Content = { text?: string; blocks?: unknown[]; attachments?: unknown[] };

/** text/blocks/attachments of a message, checked the way Slack checks them. */
export function messageContent(ctx: MethodContext, requireSome: boolean): { ok: true; content: Content } | { ok: false; body: Body } {
  const { args } = ctx;
  const text = typeof args.text === 'string' ? args.text : args.text === undefined ? undefined : String(args.text);
  if (text !== undefined && text.length > 40_000) return { ok: false, body: fail('msg_too_long') };
  const content: Content = {};
  if (text !== undefined) content.text = text;
  if (args.blocks !== undefined && args.blocks !== '') {
    if (!Array.isArray(args.blocks)) return { ok: false, body: fail('invalid_blocks_format') };
    const errors = validateMessageBlocks(args.blocks);
    if (errors.length > 0) return { ok: false, body: fail('invalid_blocks', errors) };
    content.blocks = args.blocks;
  }
  if (args.attachments !== undefined && args.attachments !== '') {
    if (!Array.isArray(args.attachments)) return { ok: false, body: fail('invalid_attachments') };
    if (args.attachments.length > 100) return { ok: false, body: fail('too_many_attachments') };
    content.attachments = args.attachments;
  }
  const hasText = text !== undefined && text !== '';
  if (requireSome && !hasText && !content.blocks?.length && !content.attachments?.length) return { ok: false, body: fail('no_text') };
  if (!hasText && (content.blocks?.length || content.attachments?.length)) ctx.warnings.push('missing_text');
  return { ok: true, content };
}

export function parseMetadata(args: Args): { ok: true; metadata?: MessageMetadata } | { ok: false; body: Body } {
  const raw = args.metadata;
  if (raw === undefined || raw === '') return { ok: true };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, body: fail('invalid_metadata_format') };
  const m = raw as Record<string, unknown>;
  const payload = m.event_payload;
  if (typeof m.event_type !== 'string' || m.event_type === '' || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, body: fail('invalid_metadata_schema') };
  }
  if (JSON.stringify(m).length > 8_000) return { ok: false, body: fail('metadata_too_large') };
  return { ok: true, metadata: { event_type: m.event_type, event_payload: payload as Record<string, unknown> } };
}

/** A message as the Web API returns it. */
export function renderMessage(store: SlackStore, m: FakeMessage, withMetadata: boolean): Body {
  const out: Body = { type: 'message' };
  if (m.thread_ts !== undefined && m.reply_broadcast) out.subtype = 'thread_broadcast';
  out.text = m.text ?? '';
  out.user = m.user;
  if (m.user === FAKE_BOT_USER_ID) {
    out.bot_id = FAKE_BOT_ID;
    out.app_id = FAKE_APP_ID;
  }
  out.ts = m.ts;
  out.team = FAKE_TEAM_ID;
  if (m.blocks) out.blocks = m.blocks;
  if (m.attachments) out.attachments = m.attachments;
  if (m.files) out.files = m.files.map((f) => ({ id: f.id, title: f.title }));
  if (m.edited_ts) out.edited = { user: m.user, ts: m.edited_ts };
  if (m.thread_ts !== undefined) {
    out.thread_ts = m.thread_ts;
    const parent = store.find(m.channel, m.thread_ts);
    if (parent) out.parent_user_id = parent.user;
  } else {
    const replies = store.repliesTo(m.channel, m.ts);
    if (replies.length > 0) {
      const users = [...new Set(replies.map((r) => r.user))];
      Object.assign(out, {
        thread_ts: m.ts,
        reply_count: replies.length,
        reply_users_count: users.length,
        latest_reply: replies[replies.length - 1]!.ts,
        reply_users: users,
      });
    }
  }
  if (withMetadata && m.metadata) out.metadata = m.metadata;
  return out;
}

/** Slack cursors are base64 of `next_ts:…` or similar; ours encode an offset. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`next_ts:${offset}`).toString('base64');
}

export function decodeCursor(args: Args): number | 'invalid' {
  const c = str(args, 'cursor');
  if (c === undefined) return 0;
  const m = /^next_ts:(\d+)$/.exec(Buffer.from(c, 'base64').toString('utf8'));
  return m ? Number(m[1]) : 'invalid';
}

/** Comma-separated ids (form) or an array (JSON). */
export function idList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}
