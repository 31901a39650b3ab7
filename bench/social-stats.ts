import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { statsWindow } from '../src/domain/stats-window.js';
import { rollupRowsRead } from '../src/db/stats-rollup.js';
import { computeStats, computeStatsFromRows } from '../src/services/stats.js';
import { startFakeSlack, type RecordedCall } from '../test/fakes/slack-server.js';
import { startTestApp } from '../test/support/app.js';
import { commandBody, slackHeaders } from '../test/support/slack-requests.js';
import { responderId, seedStats, type SeedStatsOptions, type SeedStatsResult } from './seed-stats.js';
import { percentile } from './stats.js';

/**
 * `/social-stats 30d` over a seeded history (1M mentions by default), measured two ways:
 * - `end_to_end_*`: a signed slash command over HTTP into the real app until its answer reaches
 *   the fake Slack's response URL (what the person waits for);
 * - `queries_*`: `computeStats` alone (the database work).
 * Both for the whole team and for one person (`30d me`), after two warm-up runs each; then the
 * team report from the rollups against the exact one over the rows, and the rows it reads.
 */
export interface SocialStatsFigures {
  mentions: number;
  in_30d_window: number;
  seeded: boolean;
  seed_ms: number;
  runs: number;
  end_to_end_team: { p50_ms: number; p95_ms: number; max_ms: number };
  end_to_end_person: { p50_ms: number; p95_ms: number; max_ms: number };
  queries_team: { p50_ms: number; p95_ms: number };
  queries_person: { p50_ms: number; p95_ms: number };
  target_p95_ms: number;
  /** The team report from the rollups against the exact one over the rows (computeStatsFromRows). */
  histogram: HistogramCheck;
  /** Rows the team report's current period reads from the rollups, the pending deltas and the edge cases. */
  rows_read: Awaited<ReturnType<typeof rollupRowsRead>>;
}

export interface HistogramCheck {
  /** Largest |rollup − exact| of the team median and p90 (both periods) and the per-person medians, seconds. */
  max_difference_s: number;
  target_max_s: number;
  counts_equal: boolean;
  exact_ms: number;
  differences_s: Record<string, number>;
}

/** Compares the team report from the rollups with the exact computation over the rows, for one window. */
export async function histogramCheck(db: Database['db'], now: Date): Promise<HistogramCheck> {
  const q = { window: statsWindow('30d', now, 'UTC'), now, maxResponders: 1000 };
  const rollup = await computeStats(db, q);
  const t0 = performance.now();
  const exact = await computeStatsFromRows(db, q);
  const exactMs = performance.now() - t0;
  const diffs: Record<string, number> = {};
  const diff = (name: string, a: number | null, b: number | null) => {
    diffs[name] = a === null || b === null ? (a === b ? 0 : Infinity) : Math.round(Math.abs(a - b) * 1000) / 1000;
  };
  for (const p of ['current', 'previous'] as const) {
    diff(`${p}.median`, rollup[p].medianFirstResponseSec, exact[p].medianFirstResponseSec);
    diff(`${p}.p90`, rollup[p].p90FirstResponseSec, exact[p].p90FirstResponseSec);
    diff(`${p}.next_median`, rollup[p].medianNextResponseSec, exact[p].medianNextResponseSec);
  }
  for (const f of exact.responders) diff(`median.${f.userId}`, rollup.responders.find((x) => x.userId === f.userId)?.medianFirstResponseSec ?? null, f.medianFirstResponseSec);
  const strip = (r: typeof exact) => ({
    ...r,
    current: { ...r.current, medianFirstResponseSec: 0, p90FirstResponseSec: 0, medianNextResponseSec: 0 },
    previous: { ...r.previous, medianFirstResponseSec: 0, p90FirstResponseSec: 0, medianNextResponseSec: 0 },
    responders: r.responders.map((x) => ({ ...x, medianFirstResponseSec: 0 })),
  });
  return {
    max_difference_s: Math.max(...Object.values(diffs)),
    target_max_s: 30,
    counts_equal: JSON.stringify(strip(rollup)) === JSON.stringify(strip(exact)),
    exact_ms: Math.round(exactMs),
    differences_s: diffs,
  };
}

/**
 * One seeded database with the real app in front of it (a fake Slack to answer to): what the
 * figures are measured on. `command` times one slash command end to end; runs of several of these
 * can be interleaved, so what other work the machine does falls on each alike.
 */
export class SocialStatsBench {
  private seq = 0;

  private constructor(
    readonly database: Database,
    readonly seeded: SeedStatsResult,
    private readonly slack: Awaited<ReturnType<typeof startFakeSlack>>,
    private readonly app: Awaited<ReturnType<typeof startTestApp>>,
  ) {}

  static async open(database: Database, seed?: SeedStatsOptions): Promise<SocialStatsBench> {
    const seeded = await seedStats(database.db, seed);
    const slack = await startFakeSlack();
    const app = await startTestApp({ slack, database, runQueue: false });
    return new SocialStatsBench(database, seeded, slack, app);
  }

  /** `computeStats` alone, `runs` times after two warm-up runs: milliseconds each. */
  async timeQueries(runs: number, userId?: string): Promise<number[]> {
    const ms: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      await computeStats(this.database.db, { window: statsWindow('30d', new Date(), 'UTC'), userId, now: new Date() });
      if (i >= 2) ms.push(performance.now() - t0);
    }
    return ms;
  }

  /** One `/social-stats <text>` by `user` over HTTP, until its answer reaches the response URL: milliseconds. */
  async command(user: string, text: string): Promise<number> {
    const id = `bench-${user}-${this.seq++}`;
    const answered = new Promise<void>((resolve) => {
      const listener = (c: RecordedCall) => {
        if (c.method === 'response_url' && c.args.response_id === id) {
          this.slack.off('call', listener);
          resolve();
        }
      };
      this.slack.on('call', listener);
    });
    const body = commandBody({ user, text, responseUrl: this.slack.responseUrl(id) });
    const t0 = performance.now();
    const r = await fetch(`${this.app.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) });
    if (r.status !== 200) throw new Error(`/social-stats answered HTTP ${r.status}`);
    await answered;
    return performance.now() - t0;
  }

  /** The team report from the rollups against the exact one, the rows a period reads, and the window's size. */
  async check(): Promise<{ histogram: HistogramCheck; rows_read: Awaited<ReturnType<typeof rollupRowsRead>>; in_30d_window: number }> {
    const window = statsWindow('30d', new Date(), 'UTC');
    const inWindow = await this.database.db
      .selectFrom('mentions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('posted_at', '>=', window.from)
      .where('posted_at', '<', window.to)
      .executeTakeFirstOrThrow();
    return { histogram: await histogramCheck(this.database.db, new Date()), rows_read: await rollupRowsRead(this.database.db, window.from, window.to), in_30d_window: Number(inWindow.n) };
  }

  async close(): Promise<void> {
    await this.app.stop();
    await this.slack.close();
  }
}

export const stats = (ms: number[]) => ({ p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95), max_ms: Math.round(Math.max(...ms) * 10) / 10 });

/** `alongside` runs after each timed team report (a reference timed in step with it, bench/reference-stats.ts). */
export async function measureSocialStats(database: Database, opts: { runs?: number; seed?: SeedStatsOptions; alongside?: () => Promise<unknown> } = {}): Promise<SocialStatsFigures> {
  const runs = opts.runs ?? 20;
  const bench = await SocialStatsBench.open(database, opts.seed);
  try {
    const queriesTeam = await bench.timeQueries(runs);
    const queriesPerson = await bench.timeQueries(runs, responderId(3));
    const e2eTeam: number[] = [];
    const e2ePerson: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const ms = await bench.command('UBENCHASK', '30d');
      if (i >= 2) e2eTeam.push(ms); // two warm-up runs
      await opts.alongside?.();
    }
    for (let i = 0; i < runs + 2; i++) {
      const ms = await bench.command(responderId(3), '30d me');
      if (i >= 2) e2ePerson.push(ms);
    }
    const checked = await bench.check();
    return {
      mentions: bench.seeded.total,
      in_30d_window: checked.in_30d_window,
      seeded: bench.seeded.seeded,
      seed_ms: Math.round(bench.seeded.ms),
      runs,
      end_to_end_team: stats(e2eTeam),
      end_to_end_person: stats(e2ePerson),
      queries_team: { p50_ms: percentile(queriesTeam, 50), p95_ms: percentile(queriesTeam, 95) },
      queries_person: { p50_ms: percentile(queriesPerson, 50), p95_ms: percentile(queriesPerson, 95) },
      target_p95_ms: 200,
      histogram: checked.histogram,
      rows_read: checked.rows_read,
    };
  } finally {
    await bench.close();
  }
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every query behind `/social-stats 30d` (server only), with the
 * settings the report runs them with: the evidence that each is an index range scan.
 */
export async function explainSocialStats(url: string, userId?: string): Promise<Array<{ sql: string; plan: string }>> {
  const captured: CompiledQuery[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') captured.push(e.query);
    },
  });
  try {
    const now = new Date();
    await computeStats(db, { window: statsWindow('30d', now, 'UTC'), userId, now });
    const out: Array<{ sql: string; plan: string }> = [];
    // The report's own queries (not begin / set_config / commit), with reportQuery's settings.
    const client = await pool.connect();
    try {
      await client.query(`set jit = off`);
      await client.query(`set work_mem = '32MB'`);
      for (const q of captured.filter((c) => /^\s*(select|with)\b/i.test(c.sql) && !c.sql.includes('set_config'))) {
        const r = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, q.parameters as unknown[]);
        out.push({ sql: q.sql.replace(/\s+/g, ' ').trim(), plan: r.rows.map((x) => x['QUERY PLAN']).join('\n') });
      }
    } finally {
      client.release();
    }
    return out;
  } finally {
    await db.destroy();
  }
}
