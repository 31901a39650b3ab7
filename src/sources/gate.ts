import type { Clock } from '../clock.js';

export type GateReason = 'rate_limit' | 'backoff' | 'auth';

/**
 * Per-bucket memory of an open network's rate limits: no call to a bucket whose window is used
 * up (remaining 0) before its reset, none after a 429 before the reset the answer named, and a
 * doubling back-off after server and network errors.
 */
export class SimpleGate {
  private readonly blocks = new Map<string, { until: number; reason: GateReason; failures: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly o: { backoffBaseMs: number; backoffMaxMs: number; unknownResetMs: number; marginMs: number } = {
      backoffBaseMs: 2_000,
      backoffMaxMs: 5 * 60_000,
      unknownResetMs: 60_000,
      marginMs: 1_000,
    },
  ) {}

  blockedUntil(bucket: string): Date | undefined {
    const b = this.blocks.get(bucket);
    return b && b.until > this.clock.now().getTime() ? new Date(b.until) : undefined;
  }

  /** A successful answer with the window's remaining count and reset time (ms), when given. */
  observe(bucket: string, remaining: number | undefined, resetAt: number | undefined): void {
    if (remaining === 0 && resetAt !== undefined && resetAt > this.clock.now().getTime()) {
      this.blocks.set(bucket, { until: resetAt + this.o.marginMs, reason: 'rate_limit', failures: 0 });
    } else this.blocks.delete(bucket);
  }

  failure(bucket: string, kind: 'rate_limit' | 'backoff' | 'auth', resetAt?: number): Date {
    const now = this.clock.now().getTime();
    const failures = (this.blocks.get(bucket)?.failures ?? 0) + 1;
    let until: number;
    if (kind === 'rate_limit') until = resetAt !== undefined ? Math.max(resetAt + this.o.marginMs, now + this.o.marginMs) : now + this.o.unknownResetMs * 2 ** (failures - 1);
    else if (kind === 'auth') until = now + 5 * 60_000;
    else until = now + Math.min(this.o.backoffBaseMs * 2 ** (failures - 1), this.o.backoffMaxMs);
    this.blocks.set(bucket, { until, reason: kind, failures });
    return new Date(until);
  }

  clear(bucket: string): void {
    this.blocks.delete(bucket);
  }

  earliest(): Date | undefined {
    const now = this.clock.now().getTime();
    const waits = [...this.blocks.values()].filter((b) => b.until > now).map((b) => b.until);
    return waits.length ? new Date(Math.min(...waits)) : undefined;
  }
}
