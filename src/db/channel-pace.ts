import { sql } from 'kysely';
import type { Executor } from './database.js';

/**
 * Slack's posting limit is per channel, not per process, so the pace lives in one row per
 * channel shared by every replica: `next_at` is the theoretical time of the next post (GCRA).
 * Each send reserves the slot after it; a send may go `burstMs` ahead of its slot, which is the
 * short burst Slack tolerates. Times are the database's clock, the one all replicas share.
 */
export interface PaceSpec {
  intervalMs: number;
  burstMs: number;
}

/** Reserves the next send on `channel`; returns how many ms to wait before sending. */
export async function reserveSlot(db: Executor, channel: string, spec: PaceSpec): Promise<number> {
  const r = await sql<{ wait_ms: number }>`
    insert into slack_channel_pace as p (channel, next_at)
    values (${channel}, clock_timestamp() + ${spec.intervalMs} * interval '1 millisecond')
    on conflict (channel) do update
      set next_at = greatest(p.next_at, clock_timestamp()) + ${spec.intervalMs} * interval '1 millisecond'
    returning greatest(0, extract(epoch from (
      p.next_at - ${spec.intervalMs + spec.burstMs} * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 as wait_ms`.execute(db);
  return Number(r.rows[0]?.wait_ms ?? 0);
}

/** Slack answered 429: nobody posts to `channel` until Retry-After has passed. */
export async function pauseChannel(db: Executor, channel: string, ms: number, spec: PaceSpec): Promise<void> {
  await sql`
    insert into slack_channel_pace as p (channel, next_at)
    values (${channel}, clock_timestamp() + ${ms + spec.burstMs} * interval '1 millisecond')
    on conflict (channel) do update
      set next_at = greatest(p.next_at, excluded.next_at)`.execute(db);
}
