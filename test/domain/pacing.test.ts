import { describe, expect, it } from 'vitest';
import { takeToken, type Bucket } from '../../src/domain/pacing.js';

describe('token bucket', () => {
  it('allows the burst, then one per refill interval, and says how long to wait', () => {
    const rule = { burst: 3, perMinute: 6 };
    let b: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const r = takeToken(b, 0, rule);
      expect(r.ok).toBe(true);
      b = r.bucket;
    }
    const refused = takeToken(b, 0, rule);
    expect(refused).toMatchObject({ ok: false, retryInMs: 10_000 });
    expect(takeToken(refused.bucket, 10_000, rule).ok).toBe(true);
    // A long pause refills to the burst, never beyond.
    expect(takeToken({ tokens: 0, atMs: 0 }, 3_600_000, rule).bucket.tokens).toBe(2);
  });
});
