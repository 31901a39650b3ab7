import type { Db } from '../../db/database.js';
import { pauseChannel, reserveSlot, type PaceSpec } from '../../db/channel-pace.js';

/**
 * The posting pace of every channel, shared by all replicas through Postgres (db/channel-pace):
 * `rate` posts a second with bursts of `burst`. A 429 pauses the channel for everyone.
 */
export class SharedPacer {
  readonly spec: PaceSpec;

  constructor(
    private readonly db: Db,
    rate: number,
    burst: number,
  ) {
    const intervalMs = 1000 / rate;
    this.spec = { intervalMs, burstMs: Math.max(0, burst - 1) * intervalMs };
  }

  /** Reserves a slot on `channel` and waits for it. */
  async take(channel: string): Promise<void> {
    const wait = await reserveSlot(this.db, channel, this.spec);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  pause(channel: string, ms: number): Promise<void> {
    return pauseChannel(this.db, channel, ms, this.spec);
  }
}
