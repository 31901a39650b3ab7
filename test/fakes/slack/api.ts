/** The public shape of the fake Slack (see test/fakes/slack-server.ts). */
import type { FaultSpec, MethodLimit, Pacing, RandomFaults } from './faults.js';
import type { Args } from './http.js';
import type { HeldAnswer, HoldFilter } from './holds.js';
import type { FakeEphemeral, FakeMessage, FakeUpload, FakeUser, FakeView, RecordedCall } from './state.js';

export interface FakeSlackOptions {
  port?: number;
  /** Per-channel token bucket for chat.postMessage (opt-in). */
  postMessage?: Pacing;
  /** Workspace-wide limit per method, e.g. `{ 'chat.update': { perMinute: 50 } }`. */
  methodLimits?: Record<string, MethodLimit>;
  /** Accepted tokens; default: any token starting with `xoxb-`. */
  tokens?: string[];
  /** Facts table (see test/fakes/facts.ts); `false` or a missing file: the built-in table. Default: the committed test/fakes/api-facts.json. */
  specPath?: string | false;
  /** Clock for message ts values (ms since epoch); default Date.now. Rate limits always use real time. */
  now?: () => number;
  latencyMs?: number;
}

export interface FakeViews {
  opened: FakeView[];
  pushed: FakeView[];
  /** Latest home view per user id. */
  published: Map<string, FakeView>;
  /** Latest version of every view, by view id. */
  byId: Map<string, FakeView>;
}

/** A custom method answer: return the JSON body (`{ ok: true, ... }` or `{ ok: false, error }`). */
export type CustomHandler = (args: Args) => Record<string, unknown>;

export interface FakeSlack {
  /** Web API base ending in /api/, for WebClient's slackApiUrl / Bolt's clientOptions.slackApiUrl. */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  /** Where the required-argument table came from: the facts table (from the OpenAPI file), or the built-in table. */
  readonly specSource: 'spec' | 'builtin';
  /** Every request in the order it was answered, failed ones included; also pseudo-methods 'upload_url' and 'response_url'. */
  readonly calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  okCalls(method: string): RecordedCall[];
  /** Live messages (top-level and replies) in post order; deleted ones are gone. */
  messages(channel?: string): FakeMessage[];
  /** Messages that are not thread replies. */
  topLevel(channel: string): FakeMessage[];
  /** Replies to the thread whose parent has `ts`, oldest first (parent excluded). */
  thread(channel: string, ts: string): FakeMessage[];
  readonly ephemerals: FakeEphemeral[];
  readonly views: FakeViews;
  /** Bodies posted to response URLs (all, or for one id), in order. */
  responses(id?: string): Record<string, unknown>[];
  /**
   * A response_url for a slash command or interaction payload. With an origin message, replace_original /
   * delete_original change that message and response_type 'in_channel' posts into its channel.
   */
  responseUrl(id?: string, origin?: { channel: string; ts?: string }): string;
  /** Completed uploads (files.completeUploadExternal), with their bytes. */
  readonly uploads: FakeUpload[];
  setUsergroup(id: string, users: string[]): void;
  /** Declares a channel's members: conversations.members answers them, chat.postEphemeral checks them. */
  setChannelMembers(channel: string, users: string[]): void;
  /** conversations.info answers `is_private: false` for this channel (every other one is private). */
  setChannelPublic(channel: string, isPublic?: boolean): void;
  addUser(user: FakeUser): void;
  /** Seeds a message written by someone else (a human), e.g. one the bot will reply to in thread. */
  addMessage(message: { channel: string; user: string; text?: string; ts?: string; thread_ts?: string; blocks?: unknown[] }): FakeMessage;
  /** A trigger_id that expires 3 s from now, like a real click's (invented ones never expire, but are single-use too). */
  triggerId(): string;
  /** The next `times` calls to `method` ('upload_url' and 'response_url' included) fail this way. */
  failNext(method: string, fault?: FaultSpec): void;
  /**
   * The next successful call to `method` (matching `when`) takes effect, then its answer is held
   * until `release()` or `drop()`; `recorded` resolves when it took effect.
   */
  holdNext(method: string, when?: HoldFilter): HeldAnswer;
  /** Random faults on `method` or '*' (every Web API method) until clearFaults(), or for `forMs`. */
  failRate(method: string, faults: RandomFaults): void;
  clearFaults(): void;
  /** Delay before every answer. */
  setLatency(ms: number): void;
  /** Changes rate limits at run time; `postMessage: null` turns pacing off. Buckets restart full. */
  setLimits(limits: { postMessage?: Pacing | null; methodLimits?: Record<string, MethodLimit> }): void;
  /** Implements (or overrides) a method; runs after the auth, fault, rate-limit and required-argument checks. */
  handle(method: string, handler: CustomHandler): void;
  on(event: 'call', listener: (call: RecordedCall) => void): void;
  off(event: 'call', listener: (call: RecordedCall) => void): void;
  /** Polls every 20 ms; rejects with the recent calls in the message. Default timeout 5000 ms. */
  waitFor(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Back to the state just after start (calls, messages, views, files, users, groups, members, faults, custom handlers, latency, limits). */
  reset(): void;
  close(): Promise<void>;
}
