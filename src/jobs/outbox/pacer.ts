import type { Db } from '../../db/database.js';
import { pauseChannel, reserveSlot, type PaceSpec } from '../../db/channel-pace.js';

/**
 * The posting pace of every channel, shared by all replicas through Postgres (db/channel-pace):
 * `rate` posts a second with bursts of `burst`. A 429 pauses the channel for everyone.
 */
export class SharedPacer {
  readonly spec: PaceSpec;
  /**
   * How far ahead a channel's pace may be booked for a worker still to lease one of its jobs: the
   * burst plus a second, so workers wait for their slot in a timer instead of polling the database,
   * and no worker waits much more than a second with a job another channel could use.
   */
  readonly leaseAheadMs: number;

  constructor(
    private readonly db: Db,
    rate: number,
    burst: number,
  ) {
    const intervalMs = 1000 / rate;
    this.spec = { intervalMs, burstMs: Math.max(0, burst - 1) * intervalMs };
    this.leaseAheadMs = this.spec.burstMs + Math.max(intervalMs, 1000);
  }

  /** When this process last saw a 429 on each channel. */
  private readonly pausedAt = new Map<string, number>();

  /**
   * Reserves a slot on `channel` and waits for it. A slot booked before a 429 this process saw
   * is booked again after the pause, rather than spent on a post Slack would refuse too.
   */
  async take(channel: string): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const bookedAt = performance.now();
      const wait = await reserveSlot(this.db, channel, this.spec);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if ((this.pausedAt.get(channel) ?? -Infinity) < bookedAt) return;
    }
  }

  pause(channel: string, ms: number): Promise<void> {
    this.pausedAt.set(channel, performance.now());
    return pauseChannel(this.db, channel, ms, this.spec);
  }
}
