/** One rate-limit bucket per endpoint, with X's x-rate-limit-* headers, and the failures tests queue. */
import type { XEndpointKey } from './spec.js';

export interface RateLimitConfig {
  limit: number;
  windowSeconds: number;
}

/** Requests per 15 minutes, as X documents them (app or user bucket, whichever earshot uses). */
export const DEFAULT_X_RATE_LIMITS: Readonly<Record<XEndpointKey, RateLimitConfig>> = {
  userByUsername: { limit: 300, windowSeconds: 900 },
  me: { limit: 75, windowSeconds: 900 },
  mentions: { limit: 450, windowSeconds: 900 },
  userTweets: { limit: 1500, windowSeconds: 900 },
  search: { limit: 450, windowSeconds: 900 },
  stream: { limit: 50, windowSeconds: 900 },
  rules: { limit: 450, windowSeconds: 900 },
  rulesUpdate: { limit: 450, windowSeconds: 900 },
  tweet: { limit: 100, windowSeconds: 900 },
  dm: { limit: 200, windowSeconds: 900 },
};

export interface Bucket extends RateLimitConfig {
  remaining: number;
  /** ms since epoch, whole seconds. */
  resetAt: number;
}

/** A new window starts once the reset time has passed (`now`: the fake's clock, ms since epoch). */
export function roll(bucket: Bucket, now: number): void {
  if (now >= bucket.resetAt) {
    bucket.remaining = bucket.limit;
    bucket.resetAt = Math.ceil((now + bucket.windowSeconds * 1000) / 1000) * 1000;
  }
}

export function rateHeaders(bucket: Bucket): Record<string, string> {
  return {
    'x-rate-limit-limit': String(bucket.limit),
    'x-rate-limit-remaining': String(bucket.remaining),
    'x-rate-limit-reset': String(Math.floor(bucket.resetAt / 1000)),
  };
}

/** Each endpoint's bucket (the configured limits, else X's) and the failures queued for it. */
export class XLimits {
  private buckets = new Map<XEndpointKey, Bucket>();
  private failures = new Map<XEndpointKey, { status: number | 'network'; times: number }>();
  /** How far the fake's clock is ahead of the wall clock (advance()), for windows and request times. */
  private offsetMs = 0;

  constructor(private readonly initial: Partial<Record<XEndpointKey, RateLimitConfig>>) {
    this.reset();
  }

  /** The fake's clock: the wall clock, plus what a test advanced it by. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the fake's clock on, so a window ends without the test sleeping through it. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Every window back to full (the limits the fake started with), no queued failures, the clock back to the wall clock. */
  reset(): void {
    this.offsetMs = 0;
    this.buckets = new Map();
    this.failures = new Map();
    for (const [key, config] of Object.entries(this.initial) as [XEndpointKey, RateLimitConfig][]) this.set(key, config);
  }

  set(endpoint: XEndpointKey, config: RateLimitConfig): void {
    this.buckets.set(endpoint, { ...config, remaining: config.limit, resetAt: 0 });
  }

  bucket(endpoint: XEndpointKey): Bucket {
    let bucket = this.buckets.get(endpoint);
    if (!bucket) {
      const config = DEFAULT_X_RATE_LIMITS[endpoint];
      bucket = { ...config, remaining: config.limit, resetAt: 0 };
      this.buckets.set(endpoint, bucket);
    }
    return bucket;
  }

  failNext(endpoint: XEndpointKey, status: number | 'network', times: number): void {
    this.failures.set(endpoint, { status, times });
  }

  /** The failure this request is to get, if one is queued (counted down). */
  takeFailure(endpoint: XEndpointKey): number | 'network' | undefined {
    const failure = this.failures.get(endpoint);
    if (!failure || failure.times <= 0) return undefined;
    failure.times -= 1;
    if (failure.times === 0) this.failures.delete(endpoint);
    return failure.status;
  }
}
