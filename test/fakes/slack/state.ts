/** What the fake Slack remembers: messages, views, files, people. Plain data, no HTTP. */

export const FAKE_TEAM_ID = 'T0FAKE0001';
export const FAKE_TEAM_NAME = 'Fake Workspace';
export const FAKE_BOT_USER_ID = 'U0FAKEBOT';
export const FAKE_BOT_ID = 'B0FAKEBOT';
export const FAKE_APP_ID = 'A0FAKEAPP';
export const FAKE_WORKSPACE_URL = 'https://fake.slack.com/';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status sent; 0 when the socket was destroyed without an answer. */
  status: number;
  ok: boolean;
  error?: string;
  /** Date.now() when the request arrived. */
  at: number;
  warnings?: string[];
  /** Label of the injected fault or rate limit, e.g. '429', '500', 'timeout-after-commit', 'ratelimited'. */
  fault?: string;
  /** The JSON answer (absent for 5xx and destroyed sockets). */
  response?: Record<string, unknown>;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  reply_broadcast?: boolean;
  files?: Array<{ id: string; title?: string }>;
  edits: number;
  edited_ts?: string;
  user: string;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  tz?: string;
  is_bot?: boolean;
  /** A multi-channel guest. */
  is_restricted?: boolean;
  /** A single-channel guest. */
  is_ultra_restricted?: boolean;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export type FakeView = Record<string, unknown> & { id: string; type: string; hash: string };

export interface FakeUpload {
  fileId: string;
  filename: string;
  content: Buffer;
  channel?: string;
  title?: string;
  initialComment?: string;
  threadTs?: string;
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

/** Orders Slack ts strings exactly (as numbers they lose microseconds). */
export function compareTs(a: string, b: string): number {
  const [as = '', af = ''] = a.split('.');
  const [bs = '', bf = ''] = b.split('.');
  const x = as.padStart(12, '0') + af.padEnd(6, '0');
  const y = bs.padStart(12, '0') + bf.padEnd(6, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

const key = (channel: string, ts: string): string => `${channel}\u0000${ts}`;

function insertSorted(list: FakeMessage[], m: FakeMessage): void {
  const last = list[list.length - 1];
  if (!last || compareTs(last.ts, m.ts) < 0) {
    list.push(m);
    return;
  }
  const i = list.findIndex((x) => compareTs(x.ts, m.ts) > 0);
  list.splice(i === -1 ? list.length : i, 0, m);
}

export class SlackStore {
  /** Every live message in post order. */
  all: FakeMessage[] = [];
  private byKey = new Map<string, FakeMessage>();
  /** Per channel, what conversations.history shows: top-level messages and broadcast replies, oldest first. */
  private timelines = new Map<string, FakeMessage[]>();
  private replies = new Map<string, FakeMessage[]>();

  ephemerals: FakeEphemeral[] = [];
  viewsById = new Map<string, FakeView>();
  viewsByExternalId = new Map<string, string>();
  opened: FakeView[] = [];
  pushed: FakeView[] = [];
  published = new Map<string, FakeView>();
  usedTriggers = new Set<string>();
  issuedTriggers = new Map<string, number>();

  users = new Map<string, FakeUser>();
  usergroups = new Map<string, string[]>();
  members = new Map<string, string[]>();
  /** Channels a test declared public; every other channel is private (conversations.info). */
  publicChannels = new Set<string>();
  dms = new Map<string, string>();

  pendingFiles = new Map<string, { filename: string; length: number; content?: Buffer }>();
  uploads: FakeUpload[] = [];
  responses: FakeResponse[] = [];
  /** Where a response_url's replace_original/delete_original applies. */
  responseOrigins = new Map<string, { channel: string; ts?: string }>();

  private lastMicros = 0;
  private counter = 0;

  constructor(private readonly now: () => number) {
    this.seedDirectory();
  }

  private seedDirectory(): void {
    this.users.set(FAKE_BOT_USER_ID, { id: FAKE_BOT_USER_ID, name: 'earshot', real_name: 'earshot', is_bot: true, tz: 'UTC' });
  }

  /** Strictly increasing `seconds.micros` from the clock. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.now() * 1000), this.lastMicros + 1);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** Slack-looking id: prefix + 10 upper-case base-36 chars. */
  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}0${this.counter.toString(36).toUpperCase().padStart(9, '0')}`;
  }

  find(channel: string, ts: string): FakeMessage | undefined {
    return this.byKey.get(key(channel, ts));
  }

  add(m: FakeMessage): void {
    this.all.push(m);
    this.byKey.set(key(m.channel, m.ts), m);
    if (m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast) {
      const tl = this.timelines.get(m.channel) ?? [];
      insertSorted(tl, m);
      this.timelines.set(m.channel, tl);
    }
    if (m.thread_ts !== undefined && m.thread_ts !== m.ts) {
      const k = key(m.channel, m.thread_ts);
      const list = this.replies.get(k) ?? [];
      insertSorted(list, m);
      this.replies.set(k, list);
    }
  }

  remove(m: FakeMessage): void {
    this.byKey.delete(key(m.channel, m.ts));
    this.all = this.all.filter((x) => x !== m);
    const tl = this.timelines.get(m.channel);
    if (tl) this.timelines.set(m.channel, tl.filter((x) => x !== m));
    if (m.thread_ts !== undefined) {
      const k = key(m.channel, m.thread_ts);
      const list = this.replies.get(k);
      if (list) this.replies.set(k, list.filter((x) => x !== m));
    }
  }

  timeline(channel: string): readonly FakeMessage[] {
    return this.timelines.get(channel) ?? [];
  }

  repliesTo(channel: string, parentTs: string): readonly FakeMessage[] {
    return this.replies.get(key(channel, parentTs)) ?? [];
  }

  reset(): void {
    this.all = [];
    this.byKey.clear();
    this.timelines.clear();
    this.replies.clear();
    this.ephemerals = [];
    this.viewsById.clear();
    this.viewsByExternalId.clear();
    this.opened = [];
    this.pushed = [];
    this.published.clear();
    this.usedTriggers.clear();
    this.issuedTriggers.clear();
    this.users.clear();
    this.usergroups.clear();
    this.members.clear();
    this.publicChannels.clear();
    this.dms.clear();
    this.pendingFiles.clear();
    this.uploads = [];
    this.responses = [];
    this.responseOrigins.clear();
    this.seedDirectory();
  }
}
