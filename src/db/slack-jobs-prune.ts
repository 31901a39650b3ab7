import { sql } from 'kysely';
import type { Executor } from './database.js';

/** Sent Slack jobs are kept this long (for the card-lookup trail and debugging), then deleted. */
export const SENT_JOB_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Deletes sent jobs older than the retention, in batches so one run never holds a long lock.
 * Pending and failed jobs are never touched. Returns how many rows went.
 */
export async function pruneSentJobs(db: Executor, o: { now: Date; retentionMs?: number; batch?: number; maxBatches?: number }): Promise<number> {
  const cutoff = new Date(o.now.getTime() - (o.retentionMs ?? SENT_JOB_RETENTION_MS));
  const batch = o.batch ?? 5_000;
  let total = 0;
  for (let i = 0; i < (o.maxBatches ?? 20); i++) {
    const r = await sql`
      delete from slack_jobs where id in (
        select id from slack_jobs where status = 'done' and done_at < ${cutoff} order by done_at limit ${batch}
      )`.execute(db);
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < batch) break;
  }
  return total;
}
