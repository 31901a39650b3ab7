import { SocketModeReceiver, webApi, type AnyMiddlewareArgs, type Logger as BoltLogger, type Middleware } from '@slack/bolt';
import type { Logger } from '../logger.js';

/** Back-off between connection attempts, and how long Slack gives us to acknowledge an envelope. */
export interface SocketTuning {
  /** First wait after a failed attempt (default 1 s). */
  minDelayMs?: number;
  /** Longest wait between attempts (default 60 s). */
  maxDelayMs?: number;
  /** Slack retries an envelope it has no ack for after 3 s; we log and count those (default 3 s). */
  ackDeadlineMs?: number;
  /** Time without a ping from Slack after which the link counts as dropped (the library's default: 30 s). */
  serverPingTimeoutMs?: number;
}

export interface SocketState {
  connected: boolean;
  /** When the link came up (connected) or went down / never came up (not connected). */
  since: Date;
  attempts: number;
  lastError?: string;
}

interface Envelope {
  envelope_id: string;
  type: string;
}

/**
 * Owns the Socket Mode connection. The library's own reconnect is off: it stops after a bounded
 * number of apps.connections.open failures and its reconnect promise rejects with nobody to catch
 * it, and the Web API retry settings it uses come from whatever clientOptions reach it. Here every
 * disconnect (Slack's refresh, a dropped link, a failing apps.connections.open, a refused token)
 * leads to attempts with capped exponential back-off, forever, one log line per failure.
 */
export class SocketLink {
  readonly receiver: SocketModeReceiver;
  private state: SocketState = { connected: false, since: new Date(), attempts: 0 };
  private stopping = false;
  private reconnecting: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly ackDeadline: number;

  constructor(
    o: { appToken: string; apiUrl?: string; boltLogger: BoltLogger; logger: Logger; tuning?: SocketTuning; onUnacked?: (type: string) => void },
  ) {
    this.minDelay = o.tuning?.minDelayMs ?? 1_000;
    this.maxDelay = o.tuning?.maxDelayMs ?? 60_000;
    this.ackDeadline = o.tuning?.ackDeadlineMs ?? 3_000;
    this.logger = o.logger.child({ component: 'slack-socket' });
    this.onUnacked = o.onUnacked;
    this.receiver = new SocketModeReceiver({
      appToken: o.appToken,
      logger: o.boltLogger,
      autoReconnectEnabled: false,
      ...(o.tuning?.serverPingTimeoutMs ? { serverPingTimeout: o.tuning.serverPingTimeoutMs } : {}),
      // Only what apps.connections.open needs: one try per attempt, the back-off is ours.
      installerOptions: {
        clientOptions: { ...(o.apiUrl ? { slackApiUrl: o.apiUrl } : {}), retryConfig: { retries: 0 }, timeout: 10_000 },
      },
    });
    const client = this.receiver.client;
    client.on('connected', () => {
      this.state = { connected: true, since: new Date(), attempts: 0 };
      this.logger.info('Socket Mode connected');
    });
    client.on('disconnected', () => {
      // Only a link that was up starts the loop here; a failed attempt is the loop's own to retry.
      if (this.stopping || !this.state.connected) return;
      this.state = { connected: false, since: new Date(), attempts: 0 };
      this.logger.warn('Socket Mode link closed (Slack refresh or dropped connection): reconnecting');
      void this.reconnect();
    });
    client.on('slack_event', (e: Envelope) => this.watchAck(e));
    // Acks go out through send() (private in the typings, stable in 2.x); clearing the envelope's
    // deadline there sees every ack, Bolt's automatic ones included.
    const acks = client as unknown as { send(id: string, body?: Record<string, unknown>): Promise<void> };
    const send = acks.send.bind(client);
    acks.send = (id: string, body?: Record<string, unknown>) => {
      this.acked(id);
      return send(id, body);
    };
  }

  private readonly logger: Logger;
  private readonly onUnacked: ((type: string) => void) | undefined;

  /** Connects once (resolves when connected or after the first failure, which keeps being retried). */
  async start(): Promise<void> {
    this.stopping = false;
    try {
      await this.receiver.start();
    } catch (err) {
      this.failed(err);
      void this.reconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await this.receiver.client.disconnect();
    await this.reconnecting;
  }

  status(): SocketState {
    return { ...this.state };
  }

  private reconnect(): Promise<void> {
    this.reconnecting ??= this.loop().finally(() => {
      this.reconnecting = undefined;
    });
    return this.reconnecting;
  }

  private async loop(): Promise<void> {
    while (!this.stopping && !this.state.connected) {
      const delay = this.state.attempts === 0 ? 0 : Math.min(this.maxDelay, this.minDelay * 2 ** (this.state.attempts - 1));
      if (delay > 0) await this.sleep(delay);
      if (this.stopping) return;
      try {
        await this.receiver.client.start();
      } catch (err) {
        this.failed(err);
      }
    }
  }

  private failed(err: unknown): void {
    const attempts = this.state.attempts + 1;
    const reason = explain(err);
    this.state = { connected: false, since: this.state.connected ? new Date() : this.state.since, attempts, lastError: reason };
    const next = Math.min(this.maxDelay, this.minDelay * 2 ** (attempts - 1));
    const log = { attempt: attempts, retryInMs: next, down_since: this.state.since.toISOString() };
    if (isAuthError(err)) this.logger.error(log, `Socket Mode cannot connect: ${reason}`);
    else this.logger.warn(log, `Socket Mode cannot connect: ${reason}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private watchAck(e: Envelope): void {
    if (!e.envelope_id || this.pending.has(e.envelope_id)) return;
    const timer = setTimeout(() => {
      this.pending.delete(e.envelope_id);
      this.logger.warn({ envelope_id: e.envelope_id, type: e.type, deadlineMs: this.ackDeadline }, 'Socket Mode envelope not acknowledged in time: Slack will retry it or show the user an error');
      this.onUnacked?.(e.type);
    }, this.ackDeadline);
    timer.unref();
    this.pending.set(e.envelope_id, timer);
  }

  private acked(id: string): void {
    const t = this.pending.get(id);
    if (t === undefined) return;
    clearTimeout(t);
    this.pending.delete(id);
  }
}

/**
 * Slack redelivers an Events API envelope it saw no ack for (`retry_attempt` > 0) with the same
 * event_id; the first delivery may still be running, so a retry of an event already seen is
 * dropped here (acked already: Bolt acks events before middleware runs).
 */
export function dropRetriedEvents(remember = 1_000): Middleware<AnyMiddlewareArgs> {
  const seen = new Set<string>();
  return async ({ body, next }) => {
    const id = (body as { event_id?: unknown }).event_id;
    if (typeof id === 'string') {
      if (seen.has(id)) return;
      seen.add(id);
      if (seen.size > remember) seen.delete(seen.values().next().value!);
    }
    await next();
  };
}

function isAuthError(err: unknown): boolean {
  const e = (err ?? {}) as { code?: string; data?: { error?: string } };
  return e.code === webApi.ErrorCode.PlatformError && ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'not_allowed_token_type'].includes(e.data?.error ?? '');
}

/** What went wrong, in words an operator can act on. */
export function explain(err: unknown): string {
  // A link that closes before `hello` rejects with no error at all.
  const e = (err ?? {}) as { code?: string; data?: { error?: string }; statusCode?: number; message?: string; original?: { message?: string } };
  if (e.code === webApi.ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown';
    if (isAuthError(err)) return `apps.connections.open refused the app token (${code}): SLACK_APP_TOKEN is wrong or revoked; create an App-Level Token (xapp-…) with connections:write under Basic Information`;
    return `apps.connections.open answered ${code}`;
  }
  if (e.code === webApi.ErrorCode.HTTPError) return `apps.connections.open answered HTTP ${e.statusCode ?? '?'} (Slack is having trouble)`;
  if (e.code === webApi.ErrorCode.RequestError) return `apps.connections.open unreachable: ${e.original?.message ?? e.message ?? 'network error'}`;
  if (e.code === webApi.ErrorCode.RateLimitedError) return 'apps.connections.open rate limited';
  return `the WebSocket link failed: ${err instanceof Error ? err.message : typeof err === 'string' ? err : 'closed before hello'}`;
}
