import { sql } from 'kysely';
import type { Database } from '../src/db/database.js';

/**
 * The reference for the `/social-stats 30d` figure: one exact median of first-response time over
 * the report's 30-day window, as a single `percentile_cont` over the posted_at index range — the
 * least a report that shows that median must do against the rows. Timed on the same database in
 * the same run, between the report's own runs, so the ratio report/reference does not move with
 * the machine's load.
 */
export async function referenceMedian(database: Database, window: { from: Date; to: Date }): Promise<{ ms: number; median_seconds: number | null; responded: number }> {
  const t0 = performance.now();
  const r = await sql<{ median_seconds: number | null; responded: number }>`
    select percentile_cont(0.5) within group (order by extract(epoch from first_response_at - posted_at)) as median_seconds,
           count(*)::int as responded
    from mentions
    where posted_at >= ${window.from} and posted_at < ${window.to} and first_response_at is not null`.execute(database.db);
  const ms = performance.now() - t0;
  const row = r.rows[0];
  return { ms, median_seconds: row?.median_seconds === null || row?.median_seconds === undefined ? null : Number(row.median_seconds), responded: row?.responded ?? 0 };
}
