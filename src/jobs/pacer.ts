/**
 * Per-channel token bucket for chat.postMessage: `rate` messages a second with bursts of `burst`,
 * in this process. A 429 pauses the channel until Slack's Retry-After has passed.
 */
export class ChannelPacer {
  private readonly buckets = new Map<string, { tokens: number; at: number; pausedUntil: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  private bucket(channel: string, now: number) {
    let b = this.buckets.get(channel);
    if (!b) {
      b = { tokens: this.burst, at: now, pausedUntil: 0 };
      this.buckets.set(channel, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    return b;
  }

  /** Milliseconds until `channel` may post again (0 = now). */
  waitMs(channel: string, now = Date.now()): number {
    const b = this.bucket(channel, now);
    const paused = Math.max(0, b.pausedUntil - now);
    const token = b.tokens >= 1 ? 0 : ((1 - b.tokens) / this.rate) * 1000;
    return Math.max(paused, token);
  }

  /** Channels that cannot post right now. */
  pacedChannels(now = Date.now()): string[] {
    return [...this.buckets.keys()].filter((c) => this.waitMs(c, now) > 0);
  }

  /** The earliest time a paced channel frees up, if any is paced. */
  nextFreeAt(now = Date.now()): number | undefined {
    let at: number | undefined;
    for (const c of this.buckets.keys()) {
      const w = this.waitMs(c, now);
      if (w > 0) at = Math.min(at ?? Infinity, now + w);
    }
    return at;
  }

  /** Waits for a slot on `channel` and takes it. */
  async take(channel: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const w = this.waitMs(channel, now);
      if (w <= 0) {
        this.bucket(channel, now).tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, w));
    }
  }

  pause(channel: string, until: number): void {
    const b = this.bucket(channel, Date.now());
    b.pausedUntil = Math.max(b.pausedUntil, until);
    b.tokens = Math.min(b.tokens, 0);
  }
}
