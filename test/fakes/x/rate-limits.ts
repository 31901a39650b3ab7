/** One rate-limit bucket per endpoint, with X's x-rate-limit-* headers. */
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

/** A new window starts once the reset time has passed. */
export function roll(bucket: Bucket): void {
  const now = Date.now();
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
