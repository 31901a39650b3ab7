/**
 * Where the team's `/social-stats 30d` spends its time, part by part (each timed alone, 15 times
 * after two warm-ups), beside one exact median over the same window:
 *
 *   TEST_DATABASE_URL=… npx tsx bench/profile-stats.ts [database]   # a server seed (default earshot_bench_stats)
 *   npx tsx bench/profile-stats.ts --embedded [dir]                 # the embedded seed (default .bench-cache/embedded-stats)
 *
 * Run `npm run bench` (BENCH_ONLY=social_stats_30d_ms) once first to make the seed. On a server
 * the parts run side by side in the report; on the embedded database one after another.
 */
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { nextOverdueCount } from '../src/db/case-stats.js';
import { busiestHoursFromRollup, openNowFromRollup, rollupPeriod } from '../src/db/stats-rollup.js';
import { statsWindow } from '../src/domain/stats-window.js';
import { computeStats } from '../src/services/stats.js';
import { REPO_ROOT } from '../test/support/bot-process.js';
import { referenceMedian } from './reference-stats.js';

const args = process.argv.slice(2);
const embedded = args[0] === '--embedded';
const where = embedded ? (args[1] ?? join(REPO_ROOT, '.bench-cache', 'embedded-stats')) : (args[0] ?? 'earshot_bench_stats');
let url: string | undefined;
if (!embedded) {
  if (!process.env.TEST_DATABASE_URL) throw new Error('set TEST_DATABASE_URL (or pass --embedded)');
  const u = new URL(process.env.TEST_DATABASE_URL);
  u.pathname = `/${where}`;
  url = u.toString();
}
const database = await openDatabase({ url, dataDir: embedded ? where : REPO_ROOT, poolSize: 10 });
const db = database.db;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (name: string, fn: () => Promise<unknown>) => {
  const ms: number[] = [];
  for (let i = 0; i < 17; i++) {
    const t0 = performance.now();
    await fn();
    if (i >= 2) ms.push(performance.now() - t0);
  }
  console.log(`${name.padEnd(30)} p50 ${median(ms).toFixed(1).padStart(6)} ms   min ${Math.min(...ms).toFixed(1).padStart(6)} ms`);
};
try {
  const now = new Date();
  const w = statsWindow('30d', now, 'UTC');
  console.log(`${embedded ? 'embedded' : 'server'}: ${where}`);
  await time('exact median (reference)', () => referenceMedian(database, w));
  await time('current period, with people', () => rollupPeriod(db, w.from, w.to, { now }));
  await time('previous period, team only', () => rollupPeriod(db, w.prevFrom, w.prevTo, { people: false, now }));
  await time('busiest hours', () => busiestHoursFromRollup(db, w.from, w.to, 'UTC'));
  await time('open now', () => openNowFromRollup(db, now));
  await time('next responses overdue', () => nextOverdueCount(db, now));
  await time('the whole team report', () => computeStats(db, { window: w, now }));
} finally {
  await database.close();
}
