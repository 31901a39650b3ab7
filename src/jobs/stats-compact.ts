import type { Database } from '../db/database.js';
import { LOCK, runAsLeader } from '../db/leader.js';
import { compactStatsRollup } from '../db/stats-rollup.js';

/**
 * Folds the statistics deltas the triggers append into the rollups (db/stats-rollup.ts), on one
 * replica at a time. Readers sum the rollups and the pending deltas, so the report is the same
 * before and after; compacting keeps the deltas few. Two compactions at once are safe too.
 * Returns the delta rows folded, or null when another replica was compacting.
 */
export async function compactStatsAsLeader(database: Database): Promise<number | null> {
  let moved: number | null = null;
  await runAsLeader(database, LOCK.statsCompact, async () => {
    moved = await compactStatsRollup(database.db);
  });
  return moved;
}
