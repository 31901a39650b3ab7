/**
 * Over 300 lines: the one list of figures, each a short block that calls its measurement
 * (bench/measure-*.ts, social-stats.ts, claim-ack.ts) and states its reference and target.
 *
 * `npm run bench`: every performance figure of earshot, each beside its target, as one JSON object
 * on stdout (progress goes to stderr). A real Postgres when TEST_DATABASE_URL is
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
import { seedMentions } from './seed-mentions.js';
import { SocialStatsBench, stats } from './social-stats.js';
import { responderId } from './seed-stats.js';
import { referenceMedian } from './reference-stats.js';
import { benchScale } from './scale.js';
import { percentile } from './stats.js';
import { statsWindow } from '../src/domain/stats-window.js';
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
  const scale = benchScale(process.argv.slice(2));
  // The million-row seeds are the default on both databases (PGlite seeds them in about two minutes
  // each); other sizes get seed databases of their own.
  const rows = scale.rows ?? 1_000_000;
  // BENCH_SEED_SUFFIX keeps the seeds of one checkout apart from another's on a shared server.
  const seedSuffix = process.env.BENCH_SEED_SUFFIX?.replace(/[^a-z0-9_]/gi, '_') || undefined;
  const sizeSuffix = rows === 1_000_000 ? undefined : String(rows);
  const dbs = await benchDatabases({ prefer: scale.db, seedSuffix: [seedSuffix, sizeSuffix].filter(Boolean).join('_') || undefined });
  const open = scale.open(rows);
  const cpu = cpus();
  out.machine = {
    cores: cpu.length,
    cpu: cpu[0]?.model.trim() ?? '?',
    memory_gb: round(totalmem() / 2 ** 30),
    node: process.version,
    // Other work on the machine skews every absolute figure (the ratios much less): compare runs at a similar load.
    load_average_1m_at_start: round(loadavg()[0] ?? 0, 2),
    platform: `${process.platform}-${process.arch}`,
    database: dbs.kind === 'server' ? `server: ${dbs.version}` : `embedded: ${dbs.version}`,
    database_where: dbs.description,
    scale: { name: scale.name, seeded_mentions: rows, open, clicks: scale.clicks, click_rounds: scale.clickRounds },
    note: dbs.kind === 'embedded' ? 'embedded Postgres (PGlite): `--db=server` with TEST_DATABASE_URL benches on a server' : 'Postgres server from TEST_DATABASE_URL; `--db=embedded` benches PGlite',
  };
  log(`database: ${dbs.kind} (${dbs.description}); scale ${scale.name}, ${rows} seeded mentions`);
  const loadNow = () => round(loadavg()[0] ?? 0, 2);

  await figure('claim_ack_ms', () =>
    withScratch(dbs, 'claim', async (s) => {
      const r = await measureClaimAck(s.database, { clicks: scale.clicks, rounds: scale.clickRounds });
      const target = dbs.kind === 'server' ? 1.0 : 1.2;
      return {
        p50: r.earshot.p50_ms,
        p99: r.earshot.p99_ms,
        reference: { what: 'bare Bolt app (HTTPReceiver, one listener that only acks), same clicks, alternating rounds: bench/reference-bolt.ts', p50: r.reference.p50_ms, p99: r.reference.p99_ms },
        ratio: r.ratio_p99,
        target: `ratio (median per-round p99, earshot / bare Bolt) <= ${target}`,
        ok: r.ratio_p99 <= target && r.earshot.non200 === 0 && r.reference.non200 === 0,
        load_average_1m: loadNow(),
        clicks: r.clicks,
        rounds: r.rounds,
        earshot: r.earshot,
        reference_rounds: r.reference,
        ratio_p99_pooled: r.ratio_p99_pooled,
        ratio_p50: r.ratio_p50,
      };
    }),
  );

  for (const replicas of [1, 3]) {
    await figure(replicas === 1 ? 'card_posting' : `card_posting_${replicas}_replicas`, () =>
      withScratch(dbs, 'cards', async (s) => {
        const openReplica = s.url ? () => openDatabase({ url: s.url!, dataDir: tmpdir(), poolSize: 10 }) : undefined;
        const r = await measureCardPosting(s.database, { mentions: scale.cards, perSecond: 50, burst: 5, replicas, openReplica });
        // 429s ≈ 0: at most 1 % of the posts.
        const ok = r.fraction >= 0.95 && r.lost === 0 && r.duplicates === 0 && r.rate_limited_429s <= r.mentions / 100;
        return { fraction_of_allowed: r.fraction, target_min: 0.95, target_lost: 0, target_duplicates: 0, target_max_429s: r.mentions / 100, ok, ...r };
      }),
    );
  }

  // The server's report times, taken in turn with the embedded one (embedded runs only).
  const serverTeam: number[] = [];
  let serverVersion = '';
  await figure('social_stats_30d_ms', async () => {
    // The report over the seed, the same report over ten times the history (same backlog of open
    // cases: it must not grow with the volume) and the reference, timed in turn in one loop, so the
    // machine's other work falls on all three alike.
    const runs = scale.statsRuns;
    const largeRows = Number(process.env.BENCH_STATS_LARGE_ROWS ?? rows * 10);
    const database = await dbs.openSeed('stats');
    const largeDbs = largeRows > 0 ? await benchDatabases({ prefer: scale.db, seedSuffix: `${seedSuffix ? `${seedSuffix}_` : ''}${largeRows}` }) : undefined;
    const largeDb = largeDbs ? await largeDbs.openSeed('stats') : undefined;
    const opened: SocialStatsBench[] = [];
    let serverDatabase: Awaited<ReturnType<BenchDatabases['openSeed']>> | undefined;
    try {
      const main = await SocialStatsBench.open(database, { total: rows, open, days: 365 });
      opened.push(main);
      if (largeDb) log(`social_stats: ${largeRows} mentions (seeded once, then reused)…`);
      const large = largeDb ? await SocialStatsBench.open(largeDb, { total: largeRows, open, days: 365 }) : undefined;
      if (large) opened.push(large);
      // Embedded: the same report on the Postgres server of TEST_DATABASE_URL (a seed of the same
      // size), timed in the same loop: the reference of social_stats_embedded_vs_server.
      let server: SocialStatsBench | undefined;
      if (dbs.kind === 'embedded' && process.env.TEST_DATABASE_URL) {
        const serverDbs = await benchDatabases({ prefer: 'server', seedSuffix: rows === 1_000_000 ? undefined : String(rows) });
        serverDatabase = await serverDbs.openSeed('stats');
        server = await SocialStatsBench.open(serverDatabase, { total: rows, open, days: 365 });
        opened.push(server);
        serverVersion = `${serverDbs.version}, ${serverDbs.description}`;
      }
      const queriesTeam = await main.timeQueries(runs);
      const queriesPerson = await main.timeQueries(runs, responderId(3));
      const largeQueries = large ? await large.timeQueries(runs) : [];
      const team: number[] = [];
      const largeTeam: number[] = [];
      const refMs: number[] = [];
      let ref: Awaited<ReturnType<typeof referenceMedian>> | undefined;
      for (let i = 0; i < runs + 2; i++) {
        const turn = [
          async () => void team.push(await main.command('UBENCHASK', '30d')),
          async () => {
            ref = await referenceMedian(database, statsWindow('30d', new Date(), 'UTC'));
            refMs.push(ref.ms);
          },
          ...(large ? [async () => void largeTeam.push(await large.command('UBENCHASK', '30d'))] : []),
          ...(server ? [async () => void serverTeam.push(await server.command('UBENCHASK', '30d'))] : []),
        ];
        for (const step of i % 2 === 0 ? turn : turn.reverse()) await step();
      }
      const person: number[] = [];
      for (let i = 0; i < runs + 2; i++) person.push(await main.command(responderId(3), '30d me'));
      // The first two of each are warm-up.
      const [e2e, largeE2e, refs, e2ePerson] = [team, largeTeam, refMs, person].map((xs) => stats(xs.slice(2)));
      const refP95 = percentile(refMs.slice(2), 95);
      const checked = await main.check();
      const largeChecked = large ? await large.check() : undefined;
      const ratio = round(e2e!.p95_ms / refP95, 2) ?? Infinity;
      const largeRatio = large ? (round(largeE2e!.p95_ms / e2e!.p95_ms, 2) ?? Infinity) : null;
      const histOk = checked.histogram.max_difference_s <= 30 && checked.histogram.counts_equal && (!largeChecked || (largeChecked.histogram.max_difference_s <= 30 && largeChecked.histogram.counts_equal));
      return {
        p50: e2e!.p50_ms,
        p95: e2e!.p95_ms,
        reference: {
          what: 'one exact median of first-response time over the same 30-day window (percentile_cont over the posted_at index range), same database, timed in turn with the report: bench/reference-stats.ts',
          p50: refs!.p50_ms,
          p95: refP95,
          median_seconds: ref?.median_seconds ?? null,
          responded_in_window: ref?.responded ?? null,
        },
        ratio,
        ratio_p50: round(e2e!.p50_ms / refs!.p50_ms, 2),
        target: 'ratio (report p95 / reference p95) <= 1.0; the report over 10× the history <= 1.2× of itself (ratio_large, timed in turn with it); medians and p90 from the histograms within 30 s of the exact ones (histogram_max_difference_s)',
        ok: ratio <= 1.0 && (largeRatio === null || largeRatio <= 1.2) && histOk,
        ratio_large: largeRatio,
        ratio_large_p50: large ? round(largeE2e!.p50_ms / e2e!.p50_ms, 2) : null,
        large_rows: large ? largeRows : null,
        histogram_max_difference_s: Math.max(checked.histogram.max_difference_s, largeChecked?.histogram.max_difference_s ?? 0),
        target_p95: 200,
        load_average_1m: loadNow(),
        measured: 'slash command over HTTP → answer at the response URL, team view; the stats seed (bench/seed-stats.ts)',
        mentions: main.seeded.total,
        in_30d_window: checked.in_30d_window,
        seeded: main.seeded.seeded,
        runs,
        end_to_end_team: e2e,
        end_to_end_person: e2ePerson,
        queries_team: { p50_ms: percentile(queriesTeam, 50), p95_ms: percentile(queriesTeam, 95) },
        queries_person: { p50_ms: percentile(queriesPerson, 50), p95_ms: percentile(queriesPerson, 95) },
        histogram: checked.histogram,
        rows_read: checked.rows_read,
        ...(large
          ? {
              large: {
                mentions: large.seeded.total,
                in_30d_window: largeChecked!.in_30d_window,
                seeded_this_run: large.seeded.seeded,
                seed_ms: Math.round(large.seeded.ms),
                end_to_end_team: largeE2e,
                queries_team: { p50_ms: percentile(largeQueries, 50), p95_ms: percentile(largeQueries, 95) },
                histogram: largeChecked!.histogram,
                rows_read: largeChecked!.rows_read,
              },
            }
          : {}),
      };
    } finally {
      for (const b of opened) await b.close();
      await database.close();
      await largeDb?.close();
      await serverDatabase?.close();
    }
  });

  // On the embedded database, the same report on a Postgres server in the same run (TEST_DATABASE_URL,
  // a seed of the same size): PGlite shares the bot's thread, so its target is relative to the server's.
  if (dbs.kind === 'embedded') {
    await figure('social_stats_embedded_vs_server', async () => {
      const embedded = out.social_stats_30d_ms as { p50?: number; p95?: number } | undefined;
      if (embedded?.p95 === undefined) throw new Error('needs social_stats_30d_ms in the same run (BENCH_ONLY=social_stats_30d_ms,social_stats_embedded_vs_server)');
      if (!process.env.TEST_DATABASE_URL) throw new Error('needs TEST_DATABASE_URL: the server report is the reference');
      const ref = stats(serverTeam.slice(2));
      const ratio = round(embedded.p95 / ref.p95_ms, 2) ?? Infinity;
      return {
        p50: embedded.p50,
        p95: embedded.p95,
        reference: { what: `the same /social-stats 30d report on the Postgres server (${serverVersion}), same seed size, timed in turn with the embedded one`, p50: ref.p50_ms, p95: ref.p95_ms },
        ratio,
        ratio_p50: round((embedded.p50 ?? 0) / ref.p50_ms, 2),
        target: 'ratio (embedded report p95 / server report p95) <= 1.5',
        ok: ratio <= 1.5,
        seeded_mentions: rows,
        load_average_1m: loadNow(),
      };
    });
  }

  const slaSeed = async () => {
    const seedDb = await dbs.openSeed('sla');
    try {
      return await ensureSeed(seedDb, seedMentions as never, { total: rows, open }, log);
    } finally {
      await seedDb.close();
    }
  };

  await figure('sla_sweep_ms', async () => {
    const seed = await slaSeed();
    const copy = await dbs.cloneSeed('sla');
    try {
      const r = await measureSlaSweep(copy.database, { now: seed.now, ticks: scale.sweepTicks });
      const due = r.due_per_tick.reduce((a, b) => a + b, 0);
      const busyMs = r.tick_ms.reduce((a, b) => a + b, 0);
      const perCase = due > 0 ? round(busyMs / due, 3) : null;
      return {
        ms_per_due_case: perCase,
        // Above the idle tick's fixed cost: what each due case adds (small seeds have few due per tick).
        marginal_ms_per_due_case: due > 0 ? round((busyMs - r.tick_ms.length * r.idle_tick_ms) / due, 3) : null,
        due_cases: due,
        reference: { what: 'a tick with nothing due (the fixed cost of a tick: lock, index probe)', ms: r.idle_tick_ms },
        ratio: null,
        target: 'ms_per_due_case <= 0.1',
        seeded_mentions: rows,
        ok: perCase !== null && perCase <= 0.1,
        p50: r.p50_ms,
        p95: r.p95_ms,
        target_p95: 50,
        load_average_1m: loadNow(),
        measured: 'one tick of the SLA sweep (advisory lock, due mentions, reminders, bookkeeping) per simulated minute; the SLA seed (bench/seed-mentions.ts)',
        seeded_this_run: seed.seededNow,
        seed_seconds: round(seed.seconds),
        ...r,
      };
    } finally {
      await copy.drop();
    }
  });

  // The same ingest into an empty database and into one that holds a year of mentions (the SLA
  // seed, copied), in alternating rounds: what a busy team sees where per-author lookups meet the rows.
  await figure('webhook_ingest', async () => {
    await slaSeed();
    const empty = await dbs.scratch('ingest');
    const full = await dbs.cloneSeed('sla');
    try {
      const rounds: { empty: Awaited<ReturnType<typeof measureWebhookIngest>>[]; full: Awaited<ReturnType<typeof measureWebhookIngest>>[] } = { empty: [], full: [] };
      const o = { total: scale.ingestTotal, batch: 100, concurrency: 4 };
      // Not counted: the first ingest in this process pays for JIT and module start, whichever side
      // ran it, and the first into the copy of the seed reads its indexes from disk (a database
      // that has been taking posts has them in memory): one warm-up round into each.
      await measureWebhookIngest(empty.database, { ...o, total: Math.min(o.total, 1000) });
      await measureWebhookIngest(full.database, { ...o, total: Math.min(o.total, 1000) });
      for (let i = 0; i < scale.ingestRounds; i++) {
        const pair = [async () => void rounds.empty.push(await measureWebhookIngest(empty.database, o)), async () => void rounds.full.push(await measureWebhookIngest(full.database, o))];
        for (const run of i % 2 === 0 ? pair : pair.reverse()) await run();
      }
      const rate = (rs: { per_second: number }[]) => percentile(rs.map((r) => r.per_second), 50);
      const emptyRate = rate(rounds.empty);
      const fullRate = rate(rounds.full);
      const ratio = round(fullRate / emptyRate, 2) ?? 0;
      const clean = [...rounds.empty, ...rounds.full].every((r) => r.non_202 === 0);
      return {
        mentions_per_second: fullRate,
        stored_before: rows,
        reference: { what: 'the same ingest into an empty database, alternating rounds', mentions_per_second: emptyRate },
        ratio,
        target: 'ratio (with the seeded history / empty) >= 0.95, and >= 2000 mentions/s into the empty database',
        ok: ratio >= 0.95 && emptyRate >= 2000 && clean,
        load_average_1m: loadNow(),
        rounds: { empty: rounds.empty, with_history: rounds.full },
      };
    } finally {
      await empty.drop();
      await full.drop();
    }
  });

  await figure('x_poll', () =>
    withScratch(dbs, 'xpoll', async (s) => {
      // Reads per stored post, the mentions timeline and the brand's own timeline apart, over a run with restarts.
      // 600 posts: each kill costs the page in flight once, ~20 posts at this rate.
      const r = await measureXPoll(s.database, { posts: 600, perSecond: 20, pollSeconds: 1, restarts: ['graceful', 'kill', 'graceful', 'kill'] });
      const within = (v: number | null) => v !== null && v <= 1.05;
      const ok = within(r.reads_per_mention) && within(r.reads_per_own_post) && r.carded === r.posts && r.own_timeline.stored === r.own_timeline.posts;
      return { target_reads_per_post_max: 1.05, ok, ...r };
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
      const r = await measureMemory(dbs.childEnv(s), { mentions: scale.memoryMentions, xPosts: scale.memoryXPosts, settleMs: scale.memorySettleMs });
      // Embedded, PGlite's Postgres (WebAssembly) lives in the bot's process.
      const max = dbs.kind === 'server' ? 150 : 250;
      return { rss: r.rss_mb, target_max: max, ok: r.rss_mb !== null && r.rss_mb <= max, build, ...r };
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
