/**
 * One logged-in Bluesky session for the brand, kept in `app_state` so restarts and other
 * replicas resume it instead of logging in (createSession allows 30 per 5 minutes and 300 a
 * day per account; reads allow 3000 per 5 minutes). An expired access token is refreshed by
 * @atproto/api itself (refreshSession on ExpiredToken); a new login happens only when the
 * refresh token is refused too, and never more often than `loginGapMs`.
 *
 * @atproto/api is loaded on the first call, not at start: its lexicons take ~40 MB of memory,
 * which a deployment without Bluesky should not carry.
 */
import type { AtpAgent, AtpSessionData } from '@atproto/api';
import type { XRPCError } from '@atproto/xrpc';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { readState, writeState } from '../../db/app-state.js';
import type { SimpleGate } from '../gate.js';
import type { SourceHealth } from '../health.js';

export const BSKY_STATE = { session: 'bluesky:session', login: 'bluesky:login' } as const;

export type BskyResult<T> = { ok: true; data: T } | { ok: false; kind: 'waiting' | 'failed'; until?: Date; status?: number; error?: string; reason: string };

export interface BlueskyClientDeps {
  service: string;
  handle: string;
  appPassword: string;
  clock: Clock;
  logger: Logger;
  health: SourceHealth;
  gate: SimpleGate;
  /** Least time between two logins (default 5 minutes). */
  loginGapMs?: number;
  metrics?: Metrics;
}

type HeaderBag = Readonly<Record<string, string | undefined>> | undefined;

function header(h: HeaderBag, name: string): string | undefined {
  return h?.[name] ?? h?.[name.toLowerCase()];
}

/** `ratelimit-reset` is unix seconds. */
function rateWindow(h: HeaderBag): { remaining?: number; resetAt?: number } {
  const remaining = Number(header(h, 'ratelimit-remaining'));
  const reset = Number(header(h, 'ratelimit-reset'));
  return { remaining: Number.isFinite(remaining) && header(h, 'ratelimit-remaining') !== undefined ? remaining : undefined, resetAt: Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined };
}

interface Atproto {
  agent: AtpAgent;
  isXrpcError(err: unknown): err is XRPCError;
}

export class BlueskyClient {
  private atproto?: Promise<Atproto>;
  private loaded?: Atproto;
  private db?: Db;
  private persisting: Promise<unknown> = Promise.resolve();
  /** Logins made by this process (tests and metrics). */
  logins = 0;

  constructor(private readonly d: BlueskyClientDeps) {}

  /** The agent (and the library's error class), made on first use. */
  private load(): Promise<Atproto> {
    this.atproto ??= Promise.all([import('@atproto/api'), import('@atproto/xrpc')]).then(([{ AtpAgent }, { XRPCError }]) => {
      const agent = new AtpAgent({
        service: this.d.service,
        fetch: countedFetch(this.d.metrics),
        persistSession: (evt, session) => {
          const db = this.db;
          // A refresh that failed on the network leaves the session valid: keep the stored one.
          if (!db || evt === 'network-error') return;
          // Refresh tokens rotate: the newest pair must reach the database before another replica resumes it.
          this.persisting = this.persisting.then(() => writeState(db, BSKY_STATE.session, evt === 'create' || evt === 'update' ? (session ?? null) : null)).catch(() => undefined);
        },
      });
      return (this.loaded = { agent, isXrpcError: (err: unknown): err is XRPCError => err instanceof XRPCError });
    });
    return this.atproto;
  }

  useDatabase(db: Db): void {
    this.db = db;
  }

  get did(): string | undefined {
    return this.loaded?.agent.session?.did;
  }

  /** Waits until the newest session is stored (tests, shutdown). */
  flushed(): Promise<unknown> {
    return this.persisting;
  }

  /** A usable session: the one in memory, the stored one, or (gated) a new login. */
  async ensureSession(): Promise<boolean> {
    const { agent, isXrpcError } = await this.load();
    if (agent.session) return true;
    const { health, logger, clock } = this.d;
    const stored = this.db ? await readState<AtpSessionData | null>(this.db, BSKY_STATE.session) : undefined;
    if (stored?.refreshJwt && stored.handle?.toLowerCase() === this.d.handle.toLowerCase()) {
      try {
        await agent.resumeSession(stored);
        health.resolved('auth');
        return true;
      } catch (err) {
        if (!isXrpcError(err) || (err.status !== 400 && err.status !== 401)) {
          logger.warn({ err: (err as Error).message }, 'Bluesky: could not resume the stored session; trying again next tick');
          return false;
        }
        logger.info('Bluesky: the stored session has ended; logging in again');
      }
    }
    const gate = this.db ? await readState<{ at: number; blockedUntil?: number }>(this.db, BSKY_STATE.login) : undefined;
    const now = clock.now().getTime();
    const notBefore = Math.max(gate?.blockedUntil ?? 0, (gate?.at ?? 0) + (this.d.loginGapMs ?? 5 * 60_000));
    if (notBefore > now) {
      health.waiting(new Date(notBefore));
      return false;
    }
    try {
      this.logins++;
      await agent.login({ identifier: this.d.handle, password: this.d.appPassword });
      if (this.db) await writeState(this.db, BSKY_STATE.login, { at: now });
      health.resolved('auth');
      logger.info({ did: this.did }, 'Bluesky: logged in');
      return true;
    } catch (err) {
      const x = isXrpcError(err) ? err : undefined;
      let blockedUntil: number | undefined;
      if (x?.status === 429) blockedUntil = rateWindow(x.headers).resetAt ?? now + 5 * 60_000;
      else if (x?.status === 401 || x?.status === 400) {
        blockedUntil = now + 15 * 60_000;
        health.problem('auth', `Bluesky refused the login (${x.error ?? x.status}: ${x.message}); check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password from Settings → Privacy and security → App passwords)`);
      } else logger.warn({ err: (err as Error).message }, 'Bluesky: login failed; trying again later');
      if (this.db) await writeState(this.db, BSKY_STATE.login, { at: now, blockedUntil });
      return false;
    }
  }

  /** One XRPC call through the gate of `bucket`: waits are answered, not slept. */
  async call<T>(bucket: string, fn: (agent: AtpAgent) => Promise<{ data: T; headers: HeaderBag }>, retried = false): Promise<BskyResult<T>> {
    const { gate, health } = this.d;
    const blocked = gate.blockedUntil(bucket);
    if (blocked) return { ok: false, kind: 'waiting', until: blocked, reason: `waiting for Bluesky's rate limit until ${blocked.toISOString()}` };
    if (!(await this.ensureSession())) return { ok: false, kind: 'waiting', reason: 'no Bluesky session yet' };
    const { agent, isXrpcError } = await this.load();
    try {
      const res = await fn(agent);
      const w = rateWindow(res.headers);
      gate.observe(bucket, w.remaining, w.resetAt);
      health.waiting(gate.earliest());
      return { ok: true, data: res.data };
    } catch (err) {
      const x = isXrpcError(err) ? err : undefined;
      const status = x?.status;
      const reason = x ? `${x.error ?? status}: ${x.message}` : (err as Error).message;
      if (status === 429) {
        const until = gate.failure(bucket, 'rate_limit', rateWindow(x?.headers).resetAt);
        health.waiting(until);
        return { ok: false, kind: 'waiting', until, status, error: x?.error, reason };
      }
      if (x && SESSION_ERRORS.has(x.error ?? '') && !retried) {
        // The library already tried refreshSession and it was refused: the session is over.
        // One new (gated) login, then the call once more.
        agent.sessionManager.session = undefined;
        await this.flushed();
        return this.call(bucket, fn, true);
      }
      const until = gate.failure(bucket, status === 401 || status === 403 ? 'auth' : 'backoff');
      return { ok: false, kind: 'failed', until, status, error: x?.error, reason };
    }
  }
}

/** Every XRPC call (logins and refreshes too) counted by its method, e.g. app.bsky.notification.listNotifications. */
function countedFetch(metrics: Metrics | undefined): typeof globalThis.fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const endpoint = /\/xrpc\/([\w.]+)/.exec(url)?.[1] ?? 'other';
    try {
      const res = await fetch(input, init);
      metrics?.sourceRequests.inc({ source: 'bluesky', endpoint, status: String(res.status) });
      return res;
    } catch (err) {
      metrics?.sourceRequests.inc({ source: 'bluesky', endpoint, status: 'network_error' });
      throw err;
    }
  };
}

const SESSION_ERRORS = new Set(['ExpiredToken', 'InvalidToken', 'AuthenticationRequired']);
