import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from '../src/db/database.js';

export interface SeedInfo {
  total: number;
  open: number;
  /** The seed's "now": stats windows and the sweep's clock are set from it. */
  now: Date;
  /** True when this run (re)seeded; false when the stored rows were reused. */
  seededNow: boolean;
  seconds: number;
}

const META_KEY = 'bench:seed';

interface SeedMeta {
  total: number;
  open: number;
  now: string;
  version: string;
}

/** A hash of the seeding code, so a changed seed is reseeded rather than reused. */
function seedVersion(): string {
  try {
    return createHash('sha256').update(readFileSync(fileURLToPath(new URL('./seed-mentions.ts', import.meta.url)))).digest('hex').slice(0, 12);
  } catch {
    return 'unknown';
  }
}

/**
 * Makes sure the seed database holds `total` mentions of which `open` are open, seeded by issue
 * 4's `seedMentions` (INSERT … SELECT generate_series). Rows left by an earlier run are reused when
 * the counts and the seeding code match; otherwise the tables are emptied and seeded again.
 */
export async function ensureSeed(
  database: Database,
  seedMentions: (db: never, opts: { total: number; open: number; now: Date }) => Promise<void>,
  want: { total: number; open: number },
  log: (m: string) => void,
): Promise<SeedInfo> {
  const { db } = database;
  const version = seedVersion();
  const meta = (await db.selectFrom('app_state').select('value').where('key', '=', META_KEY).executeTakeFirst())?.value as SeedMeta | undefined;
  const counts = await sql<{ total: number; open: number }>`
    select count(*)::int as total, count(*) filter (where status in ('new', 'claimed', 'escalated', 'replied'))::int as open from mentions`.execute(db);
  const have = counts.rows[0] ?? { total: 0, open: 0 };
  if (meta && meta.total === want.total && meta.open === want.open && meta.version === version && have.total === want.total && have.open === want.open) {
    log(`seed: reusing ${have.total.toLocaleString('en-US')} mentions (${have.open.toLocaleString('en-US')} open) seeded at ${meta.now}`);
    return { ...want, now: new Date(meta.now), seededNow: false, seconds: 0 };
  }
  log(`seed: ${have.total.toLocaleString('en-US')} mentions found, seeding ${want.total.toLocaleString('en-US')} (${want.open.toLocaleString('en-US')} open)…`);
  const started = performance.now();
  await sql`truncate mentions, mention_events, replies, slack_jobs restart identity cascade`.execute(db);
  await db.deleteFrom('app_state').where('key', '=', META_KEY).execute();
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  await seedMentions(db as never, { ...want, now });
  await sql`vacuum analyze mentions`.execute(db);
  const value: SeedMeta = { ...want, now: now.toISOString(), version };
  await db
    .insertInto('app_state')
    .values({ key: META_KEY, value: JSON.stringify(value) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
    .execute();
  const seconds = (performance.now() - started) / 1000;
  log(`seed: done in ${seconds.toFixed(1)} s`);
  return { ...want, now, seededNow: true, seconds };
}
