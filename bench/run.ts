/**
 * `npm run bench`: every performance figure of earshot, each beside its target, as one JSON object
 * on stdout (progress goes to stderr). A real Postgres when TEST_DATABASE_URL or DATABASE_URL is
 * set (databases earshot_bench* on it; the million-row seeds are kept and reused), the embedded one
 * otherwise (seeds under .bench-cache/). Fake Slack and X servers on loopback. See the README.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { measureClaimAck } from './claim-ack.js';
import { benchDatabases, type BenchDatabases, type Scratch } from './bench-databases.js';
import { ensureSeed } from './bench-seed.js';
import { measureCardPosting } from './measure-cards.js';
import { measureWebhookIngest } from './measure-ingest.js';
import { measureMemory } from './measure-memory.js';
import { measureSlaSweep } from './measure-sweep.js';
import { measureXPoll } from './measure-x-poll.js';
import { REPO_ROOT } from '../test/support/bot-process.js';

const started = performance.now();
const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}\n`);
const out: Record<string, unknown> = {};
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;

type Figure = Record<string, unknown>;

/** Runs one measurement; a failure is reported in the output instead of stopping the bench. */
async function figure(name: string, fn: () => Promise<Figure>): Promise<void> {
  if (only && !only.has(name)) return;
  log(`${name}…`);
  const t0 = performance.now();
  try {
    out[name] = await fn();
  } catch (err) {
    out[name] = { ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
    log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A module of another issue, or why it cannot be used. */
async function optional<T>(load: () => Promise<T>, what: string): Promise<T | { missing: string }> {
  try {
    return await load();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|does not provide an export/.test(e.message ?? '')) return { missing: `${what} is not in this checkout (${e.message?.split('\n')[0]})` };
    throw err;
  }
}
const isMissing = (m: unknown): m is { missing: string } => typeof m === 'object' && m !== null && 'missing' in m;

async function withScratch<T>(dbs: BenchDatabases, label: string, fn: (s: Scratch) => Promise<T>): Promise<T> {
  const s = await dbs.scratch(label);
  try {
    return await fn(s);
  } finally {
    await s.drop();
  }
}

const round = (n: number | null | undefined, d = 1) => (n === null || n === undefined || Number.isNaN(n) ? null : Math.round(n * 10 ** d) / 10 ** d);

async function main(): Promise<void> {
  const dbs = await benchDatabases();
  const cpu = cpus();
  out.machine = {
    cores: cpu.length,
    cpu: cpu[0]?.model.trim() ?? '?',
    memory_gb: round(totalmem() / 2 ** 30),
    node: process.version,
    // Other work on the machine skews every figure: compare runs at a similar load.
    load_average_1m_at_start: round(loadavg()[0] ?? 0, 2),
    platform: `${process.platform}-${process.arch}`,
    database: dbs.kind === 'server' ? `server: ${dbs.version}` : `embedded: ${dbs.version}`,
    database_where: dbs.description,
    note: dbs.kind === 'embedded' ? 'embedded Postgres (PGlite): set TEST_DATABASE_URL or DATABASE_URL to bench on a server' : 'Postgres server from TEST_DATABASE_URL / DATABASE_URL',
  };
  log(`database: ${dbs.kind} (${dbs.description})`);

  await figure('claim_ack_ms', () =>
    withScratch(dbs, 'claim', async (s) => {
      const r = await measureClaimAck(s.database, 200);
      return { p50: r.p50_ms, p99: r.p99_ms, max: round(r.max_ms), clicks: r.clicks, non_200: r.non200, target_p99: 100, ok: r.p99_ms <= 100 && r.non200 === 0 };
    }),
  );

  await figure('webhook_ingest', () =>
    withScratch(dbs, 'ingest', async (s) => {
      const r = await measureWebhookIngest(s.database, { total: 10_000, batch: 100, concurrency: 4 });
      return { mentions_per_second: r.per_second, target_min: 2000, ok: r.per_second >= 2000 && r.non_202 === 0 && r.stored === r.mentions, ...r };
    }),
  );

  for (const replicas of [1, 3]) {
    await figure(replicas === 1 ? 'card_posting' : `card_posting_${replicas}_replicas`, () =>
      withScratch(dbs, 'cards', async (s) => {
        const openReplica = s.url ? () => openDatabase({ url: s.url!, dataDir: tmpdir(), poolSize: 10 }) : undefined;
        const r = await measureCardPosting(s.database, { mentions: 1000, perSecond: 50, burst: 5, replicas, openReplica });
        // 429s ≈ 0: at most 1 % of the posts.
        const ok = r.fraction >= 0.95 && r.lost === 0 && r.duplicates === 0 && r.rate_limited_429s <= r.mentions / 100;
        return { fraction_of_allowed: r.fraction, target_min: 0.95, target_lost: 0, target_duplicates: 0, target_max_429s: r.mentions / 100, ok, ...r };
      }),
    );
  }

  await figure('social_stats_30d_ms', async () => {
    const mod = await optional(() => import('./social-stats.js'), "issue 5's bench/social-stats.ts (measureSocialStats over src/services/stats.ts)");
    if (isMissing(mod)) return { p50: null, p95: null, target_p95: 200, ok: null, missing: mod.missing };
    const database = await dbs.openSeed('stats');
    try {
      const r = await mod.measureSocialStats(database, { runs: 20, seed: { total: 1_000_000, open: 100_000, days: 365 } });
      const e2e = r.end_to_end_team;
      return { p50: e2e.p50_ms, p95: e2e.p95_ms, target_p95: 200, ok: e2e.p95_ms <= 200, measured: 'slash command over HTTP → answer at the response URL, team view; issue 5 seed (bench/seed-stats.ts)', ...r };
    } finally {
      await database.close();
    }
  });

  await figure('sla_sweep_ms', async () => {
    const seedMod = await optional(() => import('./seed-mentions.js'), "issue 4's bench/seed-mentions.ts");
    if (isMissing(seedMod)) return { p50: null, p95: null, target_p95: 50, ok: null, missing: seedMod.missing };
    const seedDb = await dbs.openSeed('sla');
    let seed;
    try {
      seed = await ensureSeed(seedDb, seedMod.seedMentions as never, { total: 1_000_000, open: 100_000 }, log);
    } finally {
      await seedDb.close();
    }
    const copy = await dbs.cloneSeed('sla');
    try {
      const r = await measureSlaSweep(copy.database, { now: seed.now, ticks: 20 });
      return {
        p50: r.p50_ms,
        p95: r.p95_ms,
        target_p95: 50,
        ok: r.p95_ms <= 50,
        measured: 'one tick of the SLA sweep (advisory lock, due mentions, reminders, bookkeeping) per simulated minute; issue 4 seed (bench/seed-mentions.ts)',
        seeded_this_run: seed.seededNow,
        seed_seconds: round(seed.seconds),
        ...r,
      };
    } finally {
      await copy.drop();
    }
  });

  // The same ingest into a table that already holds a year of mentions (the SLA seed, copied):
  // what a busy team sees, where per-author lookups meet a million rows.
  await figure('webhook_ingest_1m', async () => {
    const copy = await dbs.cloneSeed('sla');
    try {
      const r = await measureWebhookIngest(copy.database, { total: 10_000, batch: 100, concurrency: 4 });
      return { mentions_per_second: r.per_second, target_min: 2000, ok: r.per_second >= 2000 && r.non_202 === 0, stored_before: 1_000_000, ...r };
    } finally {
      await copy.drop();
    }
  });

  await figure('x_poll', () =>
    withScratch(dbs, 'xpoll', async (s) => {
      const r = await measureXPoll(s.database, { posts: 300, perSecond: 20, pollSeconds: 1 });
      const ok = r.reads_per_mention !== null && r.reads_per_mention <= 1.05 && r.carded === r.posts;
      return { target_reads_per_mention_max: 1.05, ok, ...r };
    }),
  );

  await figure('memory_mb', async () => {
    log('build: node scripts/ensure-build.mjs (compiles only if the sources are newer than dist/)');
    let build = 'fresh';
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/ensure-build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      build = `failed, using tsx: ${String((err as { stderr?: Buffer }).stderr ?? err).split('\n')[0]}`;
    }
    const s = await dbs.scratch('memory');
    try {
      await s.close();
      // V8 gives back the young generation and the burst's garbage after some idle seconds: steady state.
      const r = await measureMemory(dbs.childEnv(s), { mentions: 1000, xPosts: 200, settleMs: 20_000 });
      return { rss: r.rss_mb, target_max: 150, ok: r.rss_mb !== null && r.rss_mb <= 150, build, ...r };
    } finally {
      await s.drop();
    }
  });

  out.total_seconds = round((performance.now() - started) / 1000);
  out.all_ok = Object.values(out).every((v) => typeof v !== 'object' || v === null || !('ok' in v) || (v as { ok: unknown }).ok !== false);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.stdout.write(`${JSON.stringify({ ...out, error: err instanceof Error ? err.message : String(err) }, null, 2)}\n`);
    process.exit(1);
  },
);
