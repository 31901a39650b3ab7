/**
 * Where a busy SLA sweep tick spends its time: `npx tsx bench/profile-sweep.ts [ticks] [warm-up ticks]` on a copy of
 * the server SLA seed (run `BENCH_ONLY=sla_sweep_ms npm run bench` once first; needs
 * TEST_DATABASE_URL). Ticks the sweep one simulated minute at a time and prints, per statement
 * shape, the calls and the milliseconds the client waited for them, beside the whole tick's time.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ManualClock } from '../src/clock.js';
import type { Database } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { defaultReminderSettings } from '../src/domain/reminders.js';
import { defaultSlaPolicy } from '../src/domain/sla.js';
import { SlaSweep } from '../src/jobs/sla-sweep.js';
import { createLogger } from '../src/logger.js';

const admin = process.env.TEST_DATABASE_URL;
if (!admin) throw new Error('set TEST_DATABASE_URL');
const seed = process.env.BENCH_DB_PREFIX ?? 'earshot_bench';
const copy = `${seed}_profile_${process.pid}`;
const url = new URL(admin);
const adminQuery = async (text: string) => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
};

await adminQuery(`create database ${copy} template ${seed}`);
url.pathname = `/${copy}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
const perStatement = new Map<string, { calls: number; ms: number }>();
let recording = false;
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool }),
  log(event) {
    if (!recording) return;
    const shape = event.query.sql.replace(/\s+/g, ' ').slice(0, 90);
    const s = perStatement.get(shape) ?? { calls: 0, ms: 0 };
    s.calls++;
    s.ms += event.queryDurationMillis;
    perStatement.set(shape, s);
  },
});
const database: Database = { db, embedded: false, description: copy, close: () => db.destroy() };
try {
  const meta = await db.selectFrom('app_state').select('value').where('key', '=', 'bench:seed').executeTakeFirstOrThrow();
  const now = new Date((meta.value as { now: string }).now);
  const clock = new ManualClock(now);
  const sweep = new SlaSweep({
    database,
    clock,
    logger: createLogger({ level: 'silent', pretty: false }),
    slaPolicy: defaultSlaPolicy,
    settings: defaultReminderSettings,
    audience: { warnMention: 'responders', respondersGroup: 'SRESP01', leadsGroup: 'SLEADS01' },
    triageChannel: 'CTRIAGE01',
    idleDays: 14,
  });
  await sweep.sweepAsLeader();
  const ticks = Number(process.argv[2] ?? 20);
  // Optional warm-up ticks before the measured ones (the copy starts with nothing of it cached).
  const warm = Number(process.argv[3] ?? 0);
  for (let i = 1; i <= warm; i++) {
    clock.set(now.getTime() + i * 60_000);
    await sweep.sweepAsLeader();
  }
  let total = 0;
  let due = 0;
  recording = true;
  for (let i = 1; i <= ticks; i++) {
    clock.set(now.getTime() + (warm + i) * 60_000);
    const t0 = performance.now();
    const r = await sweep.sweepAsLeader();
    total += performance.now() - t0;
    due += r?.checked ?? 0;
  }
  recording = false;
  const rows = [...perStatement.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let inSql = 0;
  for (const [shape, s] of rows) {
    inSql += s.ms;
    console.log(`${(s.ms / due).toFixed(4).padStart(8)} ms/case ${String(s.calls).padStart(5)} calls  ${shape}`);
  }
  console.log(`ticks ${ticks}, due ${due}, tick total ${(total / due).toFixed(4)} ms/case (${(total / ticks).toFixed(1)} ms/tick), in statements ${(inSql / due).toFixed(4)} ms/case, outside ${((total - inSql) / due).toFixed(4)}`);
} finally {
  await db.destroy();
  await adminQuery(`drop database if exists ${copy} with (force)`);
}
