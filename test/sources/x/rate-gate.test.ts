import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { RateGate } from '../../../src/sources/x/rate-gate.js';

const tuning = { resetMarginMs: 1000, backoffBaseMs: 2000, backoffMaxMs: 60_000, unknownResetMs: 60_000, authRetryMs: 300_000 };

describe('RateGate', () => {
  it('holds an endpoint back from the moment its window is used up until the reset', () => {
    const clock = new ManualClock('2026-11-24T10:00:00Z');
    const gate = new RateGate(clock, tuning);
    const reset = clock.now().getTime() / 1000 + 120;
    gate.observe('mentions', { limit: 450, remaining: 1, reset });
    expect(gate.wait('mentions')).toBeUndefined();
    gate.observe('mentions', { limit: 450, remaining: 0, reset });
    const w = gate.wait('mentions')!;
    expect(w.until.getTime()).toBe(reset * 1000 + 1000);
    expect(w).toMatchObject({ reason: 'rate_limit', firstReport: true });
    expect(gate.wait('mentions')!.firstReport).toBe(false);
    expect(gate.wait('search')).toBeUndefined();
    clock.set(reset * 1000 + 999);
    expect(gate.wait('mentions')).toBeDefined();
    clock.set(reset * 1000 + 1000);
    expect(gate.wait('mentions')).toBeUndefined();
  });

  it('after a 429 waits for x-rate-limit-reset, or backs off when X gave none', () => {
    const clock = new ManualClock('2026-11-24T10:00:00Z');
    const gate = new RateGate(clock, tuning);
    const resetAt = new Date(clock.now().getTime() + 30_000);
    const until = gate.failure('mentions', { status: 429, code: 'rate_limited', reason: 'x', rateLimitResetAt: resetAt, retryable: true });
    expect(until.getTime()).toBe(resetAt.getTime() + 1000);
    expect(gate.wait('mentions')).toMatchObject({ reason: 'rate_limit', firstReport: false });
    expect(gate.failure('search', { status: 429, code: 'rate_limited', reason: 'x', retryable: true }).getTime()).toBe(clock.now().getTime() + 60_000);
  });

  it('backs off exponentially on 5xx and network errors and forgets it after a success', () => {
    const clock = new ManualClock('2026-11-24T10:00:00Z');
    const gate = new RateGate(clock, tuning);
    const err = { status: 503, code: 'server_error' as const, reason: 'x', retryable: true };
    const t0 = clock.now().getTime();
    expect(gate.failure('mentions', err).getTime() - t0).toBe(2000);
    expect(gate.failure('mentions', err).getTime() - t0).toBe(4000);
    expect(gate.failure('mentions', { ...err, status: 0, code: 'network' }).getTime() - t0).toBe(8000);
    expect(gate.wait('mentions')).toMatchObject({ reason: 'backoff' });
    clock.advance(8000);
    gate.observe('mentions', { limit: 450, remaining: 449, reset: t0 / 1000 + 900 });
    expect(gate.failure('mentions', err).getTime() - clock.now().getTime()).toBe(2000);
    expect(gate.failure('search', { status: 401, code: 'unauthorized', reason: 'x', retryable: false }).getTime() - clock.now().getTime()).toBe(300_000);
    // A 400 is our request's fault: no block.
    expect(gate.failure('stream_rules', { status: 400, code: 'invalid_request', reason: 'x', retryable: false }).getTime()).toBe(clock.now().getTime());
    expect(gate.wait('stream_rules')).toBeUndefined();
  });

  it('hands its blocks to another replica through a snapshot', () => {
    const clock = new ManualClock('2026-11-24T10:00:00Z');
    const a = new RateGate(clock, tuning);
    a.observe('mentions', { limit: 450, remaining: 0, reset: clock.now().getTime() / 1000 + 60 });
    a.observe('search', { limit: 450, remaining: 10, reset: clock.now().getTime() / 1000 + 60 });
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<RateGate['snapshot']>;
    expect(Object.keys(snap)).toEqual(['mentions']);
    const b = new RateGate(clock, tuning);
    b.restore(snap);
    expect(b.wait('mentions')?.until.getTime()).toBe(clock.now().getTime() + 61_000);
    expect(b.wait('search')).toBeUndefined();
    clock.advance(61_000);
    expect(b.snapshot()).toEqual({});
  });
});
