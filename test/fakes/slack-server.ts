/**
 * A local fake of the Slack Web API on node:http: real status codes and error bodies, argument checks from Slack's
 * OpenAPI document, Block Kit limits, per-channel pacing with 429 + Retry-After, and injected faults.
 * Point @slack/web-api (or Bolt's clientOptions.slackApiUrl) at `fake.url`.
 *
 * Over 300 lines: the class behind the `FakeSlack` interface (slack/api.ts), its controls and
 * the request path that reads them; the pieces with their own reasons to change are in slack/
 * (methods, Block Kit, faults and pacing, holds, the store, HTTP parsing).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { receiveResponse, receiveUpload, type EndpointAnswer } from './slack/endpoints.js';
import { HoldBook, type HeldAnswer, type HoldFilter } from './slack/holds.js';
import { FaultBook, RateLimiter, type Fault, type FaultSpec, type MethodLimit, type Pacing, type RandomFaults } from './slack/faults.js';
import type { CustomHandler, FakeSlack, FakeSlackOptions, FakeViews } from './slack/api.js';
import { isMissing, parseArgs, readBody, sendJson, sendServerError, sendText, type Args } from './slack/http.js';
import { HANDLERS, type Body, type Handler } from './slack/methods/index.js';
import { fail, missingField } from './slack/methods/common.js';
import { loadMethodSpec, type MethodSpec } from './slack/spec.js';
import {
  SlackStore,
  type FakeEphemeral,
  type FakeMessage,
  type FakeUpload,
  type FakeUser,
  type RecordedCall,
} from './slack/state.js';

export type { FakeEphemeral, FakeMessage, FakeUpload, FakeUser, FakeView, MessageMetadata, RecordedCall } from './slack/state.js';
export { FAKE_APP_ID, FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from './slack/state.js';
export type { FaultSpec, MethodLimit, Pacing, RandomFaults, RandomFaultKind } from './slack/faults.js';
export { validateMessageBlocks, validateView } from './slack/block-kit.js';
export type { CustomHandler, FakeSlack, FakeSlackOptions, FakeViews } from './slack/api.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class FakeSlackServer implements FakeSlack {
  url = '';
  baseUrl = '';
  private callLog: RecordedCall[] = [];
  private readonly store: SlackStore;
  private readonly faults = new FaultBook();
  private readonly holds = new HoldBook();
  private readonly spec: MethodSpec;
  private readonly custom = new Map<string, Handler>();
  private readonly listeners: Array<(c: RecordedCall) => void> = [];
  private latencyMs: number;
  private limiter: RateLimiter;
  private readonly server: http.Server;

  constructor(private readonly options: FakeSlackOptions) {
    this.store = new SlackStore(options.now ?? Date.now);
    this.spec = loadMethodSpec(options.specPath);
    this.latencyMs = options.latencyMs ?? 0;
    this.limiter = new RateLimiter(options.postMessage, options.methodLimits ?? {});
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        console.error('fake slack: request failed', err);
        if (!res.headersSent) sendServerError(res, 500);
      });
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${actual}`;
    this.url = `${this.baseUrl}/api/`;
  }

  get specSource(): 'spec' | 'builtin' {
    return this.spec.source;
  }

  // ---------------------------------------------------------------- HTTP

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const [, root, rest] = /^\/([^/]+)\/(.+)$/.exec(url.pathname) ?? [];
    if (root === 'api' && rest && (req.method === 'POST' || req.method === 'GET')) return this.api(req, res, rest, body, url, at);
    if (root === 'upload' && rest && req.method === 'POST') {
      return this.endpoint(req, res, 'upload_url', at, () => receiveUpload(this.store, rest, body, req.headers['content-type']));
    }
    if (root === 'response' && rest && req.method === 'POST') {
      return this.endpoint(req, res, 'response_url', at, () => receiveResponse(this.store, decodeURIComponent(rest), body));
    }
    sendText(res, 404, 'not found');
  }

  private async api(req: http.IncomingMessage, res: http.ServerResponse, method: string, raw: Buffer, url: URL, at: number): Promise<void> {
    const parsed = parseArgs(raw, req.headers['content-type'], url.searchParams);
    const args: Args = parsed.ok ? parsed.args : {};
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' && args.token !== '' ? args.token : undefined);
    delete args.token;
    const call: RecordedCall = { method, args, status: 200, ok: false, at };
    const answer = (body: Body): void => {
      sendJson(res, 200, body);
      this.record(Object.assign(call, { ok: body.ok === true, response: body }, errorOf(body)));
    };

    if (!parsed.ok) return answer(fail(parsed.error));
    const handler = this.custom.get(method) ?? HANDLERS[method];
    if (!handler && !this.spec.known.has(method)) return answer(fail('unknown_method'));
    if (token === undefined) return answer(fail('not_authed'));
    // App-level tokens (xapp-) open Socket Mode links and nothing else; bot tokens cannot open them.
    const appLevel = token.startsWith('xapp-');
    if (appLevel !== (method === 'apps.connections.open')) return answer(fail('not_allowed_token_type'));
    if (!appLevel && !this.acceptsToken(token)) return answer(fail('invalid_auth'));

    const fault = this.faults.take(method);
    if (fault && fault.kind !== 'timeout-after-commit') return this.injectFault(req, res, call, fault);
    const limited = this.limiter.check(method, args.channel);
    if (limited !== undefined) {
      const body = { ok: false, error: 'ratelimited' };
      sendJson(res, 429, body, { 'Retry-After': String(limited) });
      this.record(Object.assign(call, { status: 429, error: 'ratelimited', fault: 'ratelimited', response: body }));
      return;
    }
    if (!handler) return answer(fail('not_implemented_in_fake'));
    const missing = this.missingArg(method, args);
    const warnings: string[] = [];
    let body: Body;
    try {
      body = missing ?? handler({ args, store: this.store, baseUrl: this.baseUrl, warnings });
    } catch (err) {
      console.error(`fake slack: ${method} handler threw`, err);
      sendServerError(res, 500);
      this.record(Object.assign(call, { status: 500, ok: false, error: `fake_handler_threw: ${err instanceof Error ? err.message : String(err)}` }));
      return;
    }
    if (warnings.length > 0) call.warnings = warnings;
    if (fault) {
      // timeout-after-commit: the work is done, the answer never arrives.
      req.socket.destroy();
      this.record(Object.assign(call, { status: 0, ok: false, error: 'timeout-after-commit', fault: fault.label, response: body }));
      return;
    }
    const hold = body.ok === true ? this.holds.take(method, args, token) : undefined;
    if (hold) {
      hold.signal(args, token);
      if ((await hold.outcome) === 'drop') {
        req.socket.destroy();
        this.record(Object.assign(call, { status: 0, ok: false, error: 'held-then-dropped', fault: 'held', response: body }));
        return;
      }
    }
    answer(body);
  }

  private endpoint(req: http.IncomingMessage, res: http.ServerResponse, method: string, at: number, run: () => EndpointAnswer): void {
    const call: RecordedCall = { method, args: {}, status: 200, ok: false, at };
    const fault = this.faults.take(method, false);
    if (fault && fault.kind !== 'timeout-after-commit') return this.injectFault(req, res, call, fault);
    const a = run();
    Object.assign(call, { args: a.args, status: a.status, ok: a.ok }, a.error ? { error: a.error } : {}, a.warnings ? { warnings: a.warnings } : {});
    if (fault) {
      req.socket.destroy();
      this.record(Object.assign(call, { status: 0, ok: false, error: 'timeout-after-commit', fault: fault.label }));
      return;
    }
    sendText(res, a.status, a.text);
    this.record(call);
  }

  private injectFault(req: http.IncomingMessage, res: http.ServerResponse, call: RecordedCall, fault: Exclude<Fault, { kind: 'timeout-after-commit' }>): void {
    call.fault = fault.label;
    switch (fault.kind) {
      case 'timeout-before-commit':
        req.socket.destroy();
        this.record(Object.assign(call, { status: 0, ok: false, error: 'timeout-before-commit' }));
        return;
      case 'error': {
        const body = fail(fault.error);
        sendJson(res, 200, body);
        this.record(Object.assign(call, { status: 200, ok: false, error: fault.error, response: body }));
        return;
      }
      case 'status':
        if (fault.status === 429) {
          const body = { ok: false, error: 'ratelimited' };
          sendJson(res, 429, body, { 'Retry-After': String(Math.max(0, Math.ceil(fault.retryAfter ?? 1))) });
          this.record(Object.assign(call, { status: 429, ok: false, error: 'ratelimited', response: body }));
        } else {
          sendServerError(res, fault.status);
          this.record(Object.assign(call, { status: fault.status, ok: false, error: `http_${fault.status}` }));
        }
        return;
    }
  }

  private acceptsToken(token: string): boolean {
    return this.options.tokens ? this.options.tokens.includes(token) : token.startsWith('xoxb-');
  }

  private missingArg(method: string, args: Args): Body | undefined {
    for (const name of this.spec.required.get(method) ?? []) {
      if (!isMissing(args[name])) continue;
      if (method === 'chat.postMessage' && name === 'channel') return fail('channel_not_found');
      return missingField(name);
    }
    return undefined;
  }

  private record(call: RecordedCall): void {
    this.callLog.push(call);
    for (const l of this.listeners) {
      try {
        l(call);
      } catch (err) {
        console.error('fake slack: call listener threw', err);
      }
    }
  }

  // ---------------------------------------------------------------- inspection

  get calls(): RecordedCall[] {
    return this.callLog;
  }
  callsTo(method: string): RecordedCall[] {
    return this.callLog.filter((c) => c.method === method);
  }
  okCalls(method: string): RecordedCall[] {
    return this.callLog.filter((c) => c.method === method && c.ok);
  }
  messages(channel?: string): FakeMessage[] {
    return channel === undefined ? [...this.store.all] : this.store.all.filter((m) => m.channel === channel);
  }
  topLevel(channel: string): FakeMessage[] {
    return this.store.all.filter((m) => m.channel === channel && m.thread_ts === undefined);
  }
  thread(channel: string, ts: string): FakeMessage[] {
    return [...this.store.repliesTo(channel, ts)];
  }
  get ephemerals(): FakeEphemeral[] {
    return this.store.ephemerals;
  }
  get views(): FakeViews {
    const s = this.store;
    return { opened: s.opened, pushed: s.pushed, published: s.published, byId: s.viewsById };
  }
  get uploads(): FakeUpload[] {
    return this.store.uploads;
  }
  responses(id?: string): Record<string, unknown>[] {
    return this.store.responses.filter((r) => id === undefined || r.id === id).map((r) => r.body);
  }
  responseUrl(id: string = randomBytes(6).toString('hex'), origin?: { channel: string; ts?: string }): string {
    if (origin) this.store.responseOrigins.set(id, origin);
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  // ---------------------------------------------------------------- control

  /** Members of a group or channel are people of the workspace: unknown ids become full members. */
  setUsergroup(id: string, users: string[]): void {
    this.store.usergroups.set(id, [...users]);
    this.knowUsers(users);
  }
  setChannelMembers(channel: string, users: string[]): void {
    this.store.members.set(channel, [...users]);
    this.knowUsers(users);
  }
  /** Channels are private unless a test makes them public (conversations.info's is_private). */
  setChannelPublic(channel: string, isPublic = true): void {
    if (isPublic) this.store.publicChannels.add(channel);
    else this.store.publicChannels.delete(channel);
  }
  private knowUsers(ids: string[]): void {
    for (const id of ids) if (!this.store.users.has(id)) this.store.users.set(id, { id, name: id.toLowerCase() });
  }
  addUser(user: FakeUser): void {
    this.store.users.set(user.id, { ...user });
  }
  addMessage(message: { channel: string; user: string; text?: string; ts?: string; thread_ts?: string; blocks?: unknown[] }): FakeMessage {
    const m: FakeMessage = { ...message, ts: message.ts ?? this.store.nextTs(), edits: 0 };
    if (m.thread_ts === m.ts) delete m.thread_ts;
    this.store.add(m);
    return m;
  }
  triggerId(): string {
    const id = `${Date.now()}.${randomBytes(6).toString('hex')}`;
    this.store.issuedTriggers.set(id, Date.now());
    return id;
  }
  failNext(method: string, fault: FaultSpec = {}): void {
    this.faults.failNext(method, fault);
  }
  holdNext(method: string, when?: HoldFilter): HeldAnswer {
    return this.holds.add(method, when);
  }
  failRate(method: string, faults: RandomFaults): void {
    this.faults.failRate(method, faults);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }
  setLimits(limits: { postMessage?: Pacing | null; methodLimits?: Record<string, MethodLimit> }): void {
    this.limiter.configure(limits);
  }
  handle(method: string, handler: CustomHandler): void {
    this.custom.set(method, ({ args }) => handler(args));
  }
  on(_event: 'call', listener: (call: RecordedCall) => void): void {
    this.listeners.push(listener);
  }
  off(_event: 'call', listener: (call: RecordedCall) => void): void {
    const i = this.listeners.indexOf(listener);
    if (i !== -1) this.listeners.splice(i, 1);
  }

  // Long by default: it waits for a condition, and on a loaded machine that can take tens of seconds.
  async waitFor(pred: () => boolean, timeoutMs = 45_000, what?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (pred()) return;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) break;
      await sleep(20);
    }
    const recent = this.callLog
      .slice(-8)
      .map((c) => `${c.method} ${c.status}${c.ok ? ' ok' : ` ${c.error ?? 'failed'}`}`)
      .join('; ');
    const because = lastError instanceof Error ? ` (predicate threw: ${lastError.message})` : '';
    throw new Error(`fake slack: waitFor${what ? ` "${what}"` : ''} timed out after ${timeoutMs} ms${because}; last calls: ${recent || 'none'}`);
  }

  /** Back to the state just after start: no calls, messages, views, files, directory entries, faults or latency. */
  reset(): void {
    this.callLog = [];
    this.store.reset();
    this.faults.clear();
    this.holds.clear();
    this.custom.clear();
    this.latencyMs = this.options.latencyMs ?? 0;
    this.limiter = new RateLimiter(this.options.postMessage, this.options.methodLimits ?? {});
  }

  async close(): Promise<void> {
    this.holds.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

function errorOf(body: Body): Partial<RecordedCall> {
  return typeof body.error === 'string' ? { error: body.error } : {};
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}
