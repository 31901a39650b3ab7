import { describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../src/jobs/pacer.js';

describe('ChannelPacer', () => {
  it('allows a burst, then one post per 1/rate seconds, per channel', () => {
    const p = new ChannelPacer(1, 2);
    const t0 = 1_000_000;
    expect(p.waitMs('C1', t0)).toBe(0);
    (p as any).bucket('C1', t0).tokens -= 2;
    expect(p.waitMs('C1', t0)).toBe(1000);
    expect(p.waitMs('C1', t0 + 500)).toBe(500);
    expect(p.waitMs('C2', t0)).toBe(0);
    expect(p.pacedChannels(t0)).toEqual(['C1']);
  });

  it('a 429 pauses the channel until Retry-After has passed', () => {
    const p = new ChannelPacer(10, 3);
    const now = Date.now();
    p.pause('C1', now + 5000);
    expect(p.waitMs('C1', now)).toBeGreaterThanOrEqual(4900);
    expect(p.waitMs('C2', now)).toBe(0);
  });
});
