/** The two non-API endpoints Slack hands out: file upload URLs and interaction response_urls. */
import { validateMessageBlocks } from './block-kit.js';
import type { Args } from './http.js';
import { parseMultipart } from './http.js';
import type { FakeMessage, SlackStore } from './state.js';
import { FAKE_BOT_USER_ID } from './state.js';

/** Slack lets an app use one response_url five times (within 30 minutes). */
export const RESPONSE_URL_USES = 5;

export interface EndpointAnswer {
  status: number;
  text: string;
  args: Args;
  ok: boolean;
  error?: string;
  warnings?: string[];
}

/** POST <baseUrl>/upload/<fileId>: raw bytes, or multipart as @slack/web-api sends them (a Buffer field `body`). */
export function receiveUpload(store: SlackStore, fileId: string, body: Buffer, contentType: string | undefined): EndpointAnswer {
  const pending = store.pendingFiles.get(fileId);
  if (!pending) return { status: 404, text: 'file_not_found', args: { file_id: fileId }, ok: false, error: 'file_not_found' };
  let content = body;
  if ((contentType ?? '').toLowerCase().startsWith('multipart/form-data')) {
    const parts = parseMultipart(body, contentType ?? '');
    const part = parts.find((p) => p.name === 'body' || p.name === 'file') ?? parts.find((p) => p.filename !== undefined) ?? parts[0];
    content = part ? Buffer.from(part.data) : Buffer.alloc(0);
  } else {
    content = Buffer.from(body);
  }
  pending.content = content;
  const warnings = content.length !== pending.length ? [`length_mismatch: declared ${pending.length}, got ${content.length}`] : undefined;
  return {
    status: 200,
    text: `OK - ${content.length}`,
    args: { file_id: fileId, filename: pending.filename, length: content.length },
    ok: true,
    ...(warnings ? { warnings } : {}),
  };
}

/** POST <baseUrl>/response/<id>: Bolt's respond() sends JSON. Applies replace/delete/in_channel when the URL has an origin. */
export function receiveResponse(store: SlackStore, id: string, raw: Buffer): EndpointAnswer {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return { status: 400, text: 'invalid_payload', args: { response_id: id }, ok: false, error: 'invalid_payload' };
  }
  const args = { response_id: id, ...body };
  const reject = (status: number, error: string): EndpointAnswer => ({ status, text: error, args, ok: false, error });
  if (store.responses.filter((r) => r.id === id).length >= RESPONSE_URL_USES) return reject(404, 'used_url');
  if (body.blocks !== undefined && validateMessageBlocks(body.blocks).length > 0) return reject(400, 'invalid_blocks');
  const hasContent = (typeof body.text === 'string' && body.text !== '') || Array.isArray(body.blocks);
  if (!hasContent && body.delete_original !== true) return reject(400, 'no_text');
  store.responses.push({ id, body, at: Date.now() });
  const warnings = Array.isArray(body.blocks) && !(typeof body.text === 'string' && body.text !== '') ? ['missing_text'] : undefined;

  const origin = store.responseOrigins.get(id);
  const original = origin?.ts !== undefined ? store.find(origin.channel, origin.ts) : undefined;
  if (body.delete_original === true) {
    if (original) store.remove(original);
  } else if (body.replace_original === true) {
    if (original) {
      if (typeof body.text === 'string') original.text = body.text;
      if (Array.isArray(body.blocks)) original.blocks = body.blocks;
      original.edits += 1;
      original.edited_ts = store.nextTs();
    }
  } else if (body.response_type === 'in_channel' && origin) {
    const m: FakeMessage = { channel: origin.channel, ts: store.nextTs(), edits: 0, user: FAKE_BOT_USER_ID };
    if (typeof body.text === 'string') m.text = body.text;
    if (Array.isArray(body.blocks)) m.blocks = body.blocks;
    if (typeof body.thread_ts === 'string' && store.find(origin.channel, body.thread_ts)) m.thread_ts = body.thread_ts;
    store.add(m);
  }
  return { status: 200, text: 'ok', args, ok: true, ...(warnings ? { warnings } : {}) };
}
