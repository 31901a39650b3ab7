/**
 * SLA sweep benchmark on a real Postgres: a scratch database with `BENCH_TOTAL` mentions (default
 * 1 000 000) of which `BENCH_OPEN` are open (default 100 000), seeded by seedMentions; then the
 * sweep's query plan (EXPLAIN ANALYZE) and the time of whole sweep ticks, one a minute for
 * `BENCH_TICKS` minutes. The scratch database is dropped afterwards. Prints one JSON object.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/sla-sweep.ts
 */
import { sql } from 'kysely';
import pg from 'pg';
import { ManualClock } from '../src/clock.js';
import { migrateToLatest, openDatabase, type Database } from '../src/db/database.js';
import { defaultReminderSettings } from '../src/domain/reminders.js';
import { defaultSlaPolicy } from '../src/domain/sla.js';
import { SlaSweep } from '../src/jobs/sla-sweep.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { seedMentions } from './seed-mentions.js';
import { percentile } from './stats.js';

const admin = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const total = Number(process.env.BENCH_TOTAL ?? 1_000_000);
const open = Number(process.env.BENCH_OPEN ?? 100_000);
const ticks = Number(process.env.BENCH_TICKS ?? 30);

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function benchSlaSweep(): Promise<Record<string, unknown>> {
  const name = `earshot_bench_sla_${process.pid}_${Date.now().toString(36)}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let database: Database | undefined;
  try {
    database = await openDatabase({ url: url.toString(), dataDir: './data' });
    await migrateToLatest(database.db);
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const t0 = performance.now();
    await seedMentions(database.db, { total, open, now });
    const seedMs = performance.now() - t0;

    const dueAt = new Date(now.getTime() + 60_000);
    const explain = await database.db.transaction().execute(async (trx) => {
      const r = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off)
        select id from mentions where sla_next_check_at <= ${dueAt}
        order by sla_next_check_at, id limit 500 for update skip locked`.execute(trx);
      await sql`rollback`.execute(trx).catch(() => undefined);
      return r.rows.map((row) => row['QUERY PLAN']);
    }).catch((err: unknown) => [`explain failed: ${(err as Error).message}`]);

    const clock = new ManualClock(now);
    const sweep = new SlaSweep({
      database,
      clock,
      logger: createLogger({ level: 'silent', pretty: false }),
      metrics: createMetrics(),
      slaPolicy: defaultSlaPolicy,
      settings: defaultReminderSettings,
      audience: { warnMention: 'here', leadsGroup: 'SLEADS01' },
      triageChannel: 'CTRIAGE01',
    });
    const idle = await sweep.sweep(); // at the seed's now: nothing is due
    const runs: Array<{ ms: number; checked: number; queued: number }> = [];
    for (let i = 1; i <= ticks; i++) {
      clock.set(now.getTime() + i * 60_000);
      const r = await sweep.sweep();
      runs.push({ ms: r.ms, checked: r.checked, queued: r.queued.length });
    }
    const ms = runs.map((r) => r.ms);
    const counts = await sql<{ total: number; open: number; indexed: number }>`
      select count(*)::int as total,
             count(*) filter (where status in ('new', 'claimed', 'escalated', 'replied'))::int as open,
             count(*) filter (where sla_next_check_at is not null)::int as indexed
      from mentions`.execute(database.db);
    return {
      benchmark: 'sla_sweep',
      database: 'postgres server',
      mentions: counts.rows[0],
      seedSeconds: Math.round(seedMs / 100) / 10,
      idleSweepMs: Math.round(idle.ms * 10) / 10,
      ticks: runs.length,
      dueMentionsPerTick: { median: percentile(runs.map((r) => r.checked), 50), max: Math.max(...runs.map((r) => r.checked)) },
      remindersPerTick: { median: percentile(runs.map((r) => r.queued), 50), max: Math.max(...runs.map((r) => r.queued)) },
      sweepMs: { p50: percentile(ms, 50), p95: percentile(ms, 95), max: Math.round(Math.max(...ms) * 10) / 10 },
      explain,
    };
  } finally {
    await database?.close();
    await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchSlaSweep().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
