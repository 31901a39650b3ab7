/**
 * Per-endpoint memory of X's rate limits and of failures, so earshot never calls an endpoint
 * whose window is used up before it resets, and backs off after 5xx, network and auth errors.
 */
import type { TwitterRateLimit } from 'twitter-api-v2';
import type { Clock } from '../../clock.js';
import type { XErrorDescription } from './errors.js';

export interface GateTuning {
  /** Added to X's reset time: our clock and X's may disagree by a little. */
  resetMarginMs: number;
  /** First back-off after a 5xx or network error; doubles per failure in a row. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A 429 without a usable x-rate-limit-reset: wait this long (doubling). */
  unknownResetMs: number;
  /** After 401/403: try again this much later (the keys may be fixed at X's side). */
  authRetryMs: number;
}

export const DEFAULT_GATE_TUNING: GateTuning = {
  resetMarginMs: 1_000,
  backoffBaseMs: 2_000,
  backoffMaxMs: 5 * 60_000,
  unknownResetMs: 60_000,
  authRetryMs: 5 * 60_000,
};

interface Window {
  remaining?: number;
  /** ms since epoch */
  resetAt?: number;
  /** ms since epoch: no call before this (429, back-off, auth). */
  blockedUntil?: number;
  /** Why blockedUntil is set. */
  blockedFor?: 'rate_limit' | 'backoff' | 'auth';
  failures: number;
  /** The current rate-limit wait was already counted in the metric. */
  waitCounted: boolean;
}

export interface GateWait {
  until: Date;
  reason: 'rate_limit' | 'backoff' | 'auth';
  /** First time this wait is reported (for counting waits once). */
  firstReport: boolean;
}

export class RateGate {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly tuning: GateTuning = DEFAULT_GATE_TUNING,
  ) {}

  private window(endpoint: string): Window {
    let w = this.windows.get(endpoint);
    if (!w) this.windows.set(endpoint, (w = { failures: 0, waitCounted: false }));
    return w;
  }

  /** Whether `endpoint` must not be called now, and until when. */
  wait(endpoint: string): GateWait | undefined {
    const w = this.windows.get(endpoint);
    if (!w) return undefined;
    const now = this.clock.now().getTime();
    const exhaustedUntil = w.remaining === 0 && w.resetAt !== undefined ? w.resetAt + this.tuning.resetMarginMs : 0;
    const blocked = w.blockedUntil ?? 0;
    const until = Math.max(exhaustedUntil, blocked);
    if (until <= now) return undefined;
    const reason = blocked >= exhaustedUntil && w.blockedFor ? w.blockedFor : 'rate_limit';
    const firstReport = reason === 'rate_limit' && !w.waitCounted;
    if (firstReport) w.waitCounted = true;
    return { until: new Date(until), reason, firstReport };
  }

  /** The earliest time at which any of `endpoints` may be called (now when one is free). */
  earliest(endpoints: readonly string[]): Date {
    const now = this.clock.now();
    let best: Date | undefined;
    for (const e of endpoints) {
      const w = this.peek(e);
      if (!w) return now;
      if (!best || w < best) best = w;
    }
    return best ?? now;
  }

  /** Like wait() but without side effects. */
  peek(endpoint: string): Date | undefined {
    const w = this.windows.get(endpoint);
    if (!w) return undefined;
    const now = this.clock.now().getTime();
    const exhaustedUntil = w.remaining === 0 && w.resetAt !== undefined ? w.resetAt + this.tuning.resetMarginMs : 0;
    const until = Math.max(exhaustedUntil, w.blockedUntil ?? 0);
    return until > now ? new Date(until) : undefined;
  }

  /** Blocks still in force, to hand to the replica that runs the next tick (via the database). */
  snapshot(): Record<string, { until: number; reason: 'rate_limit' | 'backoff' | 'auth' }> {
    const out: Record<string, { until: number; reason: 'rate_limit' | 'backoff' | 'auth' }> = {};
    const now = this.clock.now().getTime();
    for (const [endpoint, w] of this.windows) {
      const exhausted = w.remaining === 0 && w.resetAt !== undefined ? w.resetAt + this.tuning.resetMarginMs : 0;
      const blocked = w.blockedUntil ?? 0;
      const until = Math.max(exhausted, blocked);
      if (until > now) out[endpoint] = { until, reason: blocked >= exhausted && w.blockedFor ? w.blockedFor : 'rate_limit' };
    }
    return out;
  }

  /** Takes over blocks another replica saw; a later block wins. */
  restore(blocks: Record<string, { until: number; reason: 'rate_limit' | 'backoff' | 'auth' }> | undefined): void {
    for (const [endpoint, b] of Object.entries(blocks ?? {})) {
      if (!Number.isFinite(b.until)) continue;
      const w = this.window(endpoint);
      if ((w.blockedUntil ?? 0) < b.until) {
        w.blockedUntil = b.until;
        w.blockedFor = b.reason;
        if (b.reason === 'rate_limit') w.waitCounted = true;
      }
    }
  }

  /** A successful answer: remember the window from its headers. */
  observe(endpoint: string, rl: TwitterRateLimit | undefined): void {
    const w = this.window(endpoint);
    w.failures = 0;
    w.blockedUntil = undefined;
    w.blockedFor = undefined;
    if (rl && Number.isFinite(rl.remaining) && Number.isFinite(rl.reset)) {
      w.remaining = rl.remaining;
      w.resetAt = rl.reset * 1000;
    }
    if (w.remaining !== 0) w.waitCounted = false;
  }

  /** A failed call: returns when the endpoint may be tried again. */
  failure(endpoint: string, d: XErrorDescription): Date {
    const w = this.window(endpoint);
    const now = this.clock.now().getTime();
    w.failures += 1;
    let until = now;
    let reason: Window['blockedFor'];
    if (d.status === 429) {
      reason = 'rate_limit';
      until = d.rateLimitResetAt
        ? Math.max(d.rateLimitResetAt.getTime() + this.tuning.resetMarginMs, now + this.tuning.resetMarginMs)
        : now + Math.min(this.tuning.unknownResetMs * 2 ** (w.failures - 1), 15 * 60_000);
      w.remaining = 0;
      if (d.rateLimitResetAt) w.resetAt = d.rateLimitResetAt.getTime();
      w.waitCounted = true;
    } else if (d.status === 401 || d.status === 403) {
      reason = 'auth';
      until = now + this.tuning.authRetryMs;
    } else if (d.retryable) {
      reason = 'backoff';
      until = now + Math.min(this.tuning.backoffBaseMs * 2 ** (w.failures - 1), this.tuning.backoffMaxMs);
    }
    if (reason) {
      w.blockedUntil = until;
      w.blockedFor = reason;
    }
    return new Date(until);
  }
}
