import { int, str } from '../http.js';
import type { FakeMessage, FakeUpload } from '../state.js';
import { FAKE_BOT_USER_ID } from '../state.js';
import type { Handler } from './common.js';
import { fail } from './common.js';

export const getUploadURLExternal: Handler = ({ args, store, baseUrl }) => {
  const filename = str(args, 'filename')!;
  const length = int(args, 'length');
  if (length === undefined || length <= 0) return fail('invalid_arguments', ['[ERROR] length must be a positive integer']);
  const fileId = store.nextId('F');
  store.pendingFiles.set(fileId, { filename, length });
  return { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId };
};

export const completeUploadExternal: Handler = ({ args, store }) => {
  const files = args.files;
  if (!Array.isArray(files) || files.length === 0) return fail('invalid_arguments', ['[ERROR] files must be a non-empty array']);
  const entries: Array<{ id: string; title?: string }> = [];
  for (const f of files as unknown[]) {
    const id = typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined;
    const title = typeof f === 'object' && f !== null ? (f as { title?: unknown }).title : undefined;
    if (typeof id !== 'string') return fail('invalid_arguments', ['[ERROR] missing required field: id']);
    const pending = store.pendingFiles.get(id);
    if (!pending?.content) return fail('file_not_found');
    entries.push(typeof title === 'string' ? { id, title } : { id });
  }
  const channel = str(args, 'channel_id') ?? str(args, 'channels');
  const initialComment = str(args, 'initial_comment');
  const threadTs = str(args, 'thread_ts');
  if (threadTs !== undefined && channel !== undefined && !store.find(channel, threadTs)) return fail('invalid_thread_ts');
  const out = entries.map(({ id, title }) => {
    const pending = store.pendingFiles.get(id)!;
    store.pendingFiles.delete(id);
    const upload: FakeUpload = { fileId: id, filename: pending.filename, content: pending.content! };
    if (channel !== undefined) upload.channel = channel;
    if (title !== undefined) upload.title = title;
    if (initialComment !== undefined) upload.initialComment = initialComment;
    if (threadTs !== undefined) upload.threadTs = threadTs;
    store.uploads.push(upload);
    return { id, title: title ?? pending.filename, name: pending.filename, size: pending.content!.length, mimetype: 'application/octet-stream' };
  });
  if (channel !== undefined) {
    // Sharing posts a message carrying the files, as Slack does (Slack does it a moment later; the fake at once).
    const m: FakeMessage = { channel, ts: store.nextTs(), text: initialComment ?? '', files: entries, edits: 0, user: FAKE_BOT_USER_ID };
    if (threadTs !== undefined) m.thread_ts = store.find(channel, threadTs)?.thread_ts ?? threadTs;
    store.add(m);
  }
  return { ok: true, files: out };
};
