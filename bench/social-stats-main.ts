import { createTestDatabase } from '../test/support/db.js';
import { explainSocialStats, measureSocialStats } from './social-stats.js';

/**
 * `npx tsx bench/social-stats-main.ts`: seeds a scratch database (on TEST_DATABASE_URL when set,
 * else embedded), measures `/social-stats 30d`, prints one JSON object and drops the database.
 * BENCH_STATS_TOTAL / BENCH_STATS_DAYS / BENCH_STATS_RUNS change the size; BENCH_STATS_EXPLAIN=1
 * adds the EXPLAIN (ANALYZE, BUFFERS) of every query (server only).
 */
const env = process.env;
const tdb = await createTestDatabase();
const database = await tdb.open();
try {
  const figures = await measureSocialStats(database, {
    runs: Number(env.BENCH_STATS_RUNS ?? 20),
    seed: { total: Number(env.BENCH_STATS_TOTAL ?? 1_000_000), days: Number(env.BENCH_STATS_DAYS ?? 365), open: Number(env.BENCH_STATS_OPEN ?? 100_000) },
  });
  const explain = env.BENCH_STATS_EXPLAIN === '1' && tdb.url ? { team: await explainSocialStats(tdb.url), person: await explainSocialStats(tdb.url, 'UBENCH0003') } : undefined;
  console.log(JSON.stringify({ database: tdb.url ? 'server' : 'embedded', social_stats_30d: figures, ...(explain ? { explain } : {}) }, null, 2));
} finally {
  await database.close();
  await tdb.drop();
}
