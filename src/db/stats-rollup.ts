import { sql, type RawBuilder } from 'kysely';
import { num } from '../domain/stats.js';
import { DAY_MS, denseHistogram, HOUR_MS, MONTH_MS, QUARTER_MS, quarterSpans, signedRollupSpans, WEEK_MS, type DenseHistogram, type SignedRollupSpans, type Span } from '../domain/stats-rollup.js';
import type { Executor } from './database.js';

/**
 * The team's /social-stats figures from the rollups of migrations 0012 and 0014: counts per key
 * (metric, dim) in `stats_rollup` and response-time histograms in `stats_hist` (one row per
 * metric and person, its buckets packed), each per hour, day, week and 28 days, maintained by
 * triggers. A period is read as signed bins and the rows of its partial hours
 * (domain/stats-rollup.ts signedRollupSpans: bins added, and bins subtracted where a whole bin less
 * its outside reads less), so the work depends on the bins and the people, not on the cases. The
 * rows at the edges go through the same key functions as the triggers, so both agree by
 * construction. Pending deltas (not yet compacted) are read beside the rollups in the same snapshot.
 *
 * One statement of one shape whatever the period: its bins are one array parameter, joined by
 * equality on the primary key, so the planner's work does not grow with the bins. The histograms
 * leave the database packed and are added up here (a few hundred rows of bytes, instead of a row
 * per bucket summed, sorted and windowed by the executor).
 *
 * Counts are summed as float8, exact for integers below 2^53: a sum of bigints is a numeric, whose
 * arithmetic was most of the executor's time (more so in the embedded database's WebAssembly).
 *
 * Raw SQL: the key functions are set-returning SQL functions joined laterally, and the bins come
 * as arrays.
 */

/** A count of one key over a period (dim '' is the team's total). */
export interface RollupCount {
  metric: string;
  dim: string;
  n: number;
}

/** A response-time histogram over a period, of one metric and dim ('' the team's). */
export interface RollupHistogram {
  metric: string;
  dim: string;
  counts: DenseHistogram;
}

export interface RollupPeriod {
  counts: RollupCount[];
  histograms: RollupHistogram[];
}

/** The histograms among the metrics (stored in stats_hist). */
export const HISTOGRAM_METRICS: readonly string[] = ['frt', 'frt_by', 'next_wait'];
const HISTOGRAMS = sql.raw(`(${HISTOGRAM_METRICS.map((m) => `'${m}'`).join(', ')})`);

const NONE = sql`false`;

function inSpans(column: RawBuilder<unknown>, spans: Span[]): RawBuilder<unknown> {
  if (spans.length === 0) return NONE;
  return sql`(${sql.join(
    spans.map((s) => sql`(${column} >= ${s.from} and ${column} < ${s.to})`),
    sql` or `,
  )})`;
}

type Level = 'h' | 'd' | 'w' | 'm' | 'q';
const LEVEL_MS: Record<Level, number> = { h: HOUR_MS, d: DAY_MS, w: WEEK_MS, m: MONTH_MS, q: QUARTER_MS };

/**
 * The keys of `table` in the bins of each (level, span), one index range scan apiece (a union, not
 * an OR, so each stays an index-only scan of the primary key, which includes the count).
 */
function binRows(table: 'stats_rollup' | 'stats_rollup_delta', parts: Array<[Level, Span[]]>, metric: RawBuilder<unknown>): RawBuilder<unknown> {
  const selects = parts.flatMap(([level, spans]) =>
    spans.map((s) => sql`select metric, dim, bucket, bin, n from ${sql.table(table)} where level = ${level} and bin >= ${s.from} and bin < ${s.to} and ${metric}`),
  );
  return selects.length === 0 ? sql`select null::text as metric, null::text as dim, null::int as bucket, null::timestamptz as bin, null::bigint as n where false` : sql.join(selects, sql` union all `);
}

const MENTION_ARGS = sql.raw(
  'm.posted_at, m.status, m.owner_id, m.first_response_at, m.first_response_by, m.escalated_at, m.escalation_category, m.sentiment_label, m.sla_due_at, m.closed_at',
);
const DUE_METRICS = sql.raw(`('due', 'met')`);

const levelParts = (s: SignedRollupSpans['plus']): Array<[Level, Span[]]> => [
  ['m', s.months],
  ['w', s.weeks],
  ['d', s.days],
  ['h', s.hours],
];

/**
 * The bins of a signed cover, each one (level, start of the bin, sign), as parallel arrays: read by
 * equality on the primary key's first columns, which the planner estimates well however many there
 * are. A period of 30 days is a few dozen bins.
 */
function binArrays(s: SignedRollupSpans) {
  const bins = { level: [] as string[], bin: [] as Date[], sign: [] as number[] };
  for (const [part, sign] of [
    [s.plus, 1],
    [s.minus, -1],
  ] as const) {
    for (const [level, spans] of levelParts(part)) {
      for (const x of spans) {
        for (let t = x.from.getTime(); t < x.to.getTime(); t += LEVEL_MS[level]) {
          bins.level.push(level);
          bins.bin.push(new Date(t));
          bins.sign.push(sign);
        }
      }
    }
  }
  return bins;
}

/**
 * The keys of the rows in the spans of `plus` (counted +1) and of `minus` (counted −1): cases
 * received or due, inbound posts, next responses. One scan per table for both signs; the spans are
 * literal ranges (a period has at most a few), so the planner sees how few rows they hold. The
 * deadlines (the only keys dated ahead of now: the current hour is read whole, less the deadlines
 * still to come in it) through stats_due_keys, an index-only scan of mentions_stats_due_idx.
 */
function edgeRows(plus: Span[], minus: Span[], keyDim: RawBuilder<unknown>): RawBuilder<unknown> {
  const spans = [...plus, ...minus];
  if (spans.length === 0) return sql``;
  const edge = (col: string) => inSpans(sql.ref(col), spans);
  const sign = (col: string) =>
    minus.length === 0 ? sql`1` : sql`((case when ${inSpans(sql.ref(col), plus)} then 1 else 0 end) - (case when ${inSpans(sql.ref(col), minus)} then 1 else 0 end))`;
  return sql`
    union all
    select k.metric, k.dim, k.bucket, ${sign('m.posted_at')} from mentions m cross join lateral stats_mention_keys(${MENTION_ARGS}) k
     where ${edge('m.posted_at')} and k.metric not in ${DUE_METRICS} and k.metric <> 'quarter' ${keyDim}
    union all
    select k.metric, k.dim, k.bucket, ${sign('m.sla_due_at')} from mentions m cross join lateral stats_due_keys(m.owner_id, m.first_response_at, m.sla_due_at, m.closed_at) k
     where ${edge('m.sla_due_at')} ${keyDim}
    union all
    select 'posts', '', 0, ${sign('p.posted_at')} from posts p where p.direction = 'inbound' and ${edge('p.posted_at')}
    union all
    select k.metric, k.dim, k.bucket, ${sign('c.responded_at')} from case_responses c
     cross join lateral stats_response_keys(c.kind, c.waiting_since, c.due_at, c.responded_at) k
     where c.kind = 'next' and ${edge('c.responded_at')}`;
}

interface PeriodRow {
  metric: string;
  dim: string;
  bucket: number;
  n: number;
  /** A packed histogram of stats_hist (then `n` is its sign); null for a key. */
  counts: Buffer | null;
}

/**
 * Every key's count and every histogram over [from, to): the cases received, their first
 * responses, deadlines, posts and next responses. The period is read as signed parts (domain
 * signedRollupSpans; `now` tells which bins are still filling). With `people: false` only the
 * team's keys and histograms (dim ''): the per-person ones are skipped.
 */
export async function rollupPeriod(db: Executor, from: Date, to: Date, opts: { people?: boolean; now?: Date } = {}): Promise<RollupPeriod> {
  const cover = signedRollupSpans(from, to, opts.now ?? to);
  const bins = binArrays(cover);
  const team = opts.people === false ? sql`and x.dim = ''` : sql``;
  const keyTeam = opts.people === false ? sql`and k.dim = ''` : sql``;
  const { rows: r } = await sql<PeriodRow>`
    with b as (
      select * from unnest(${bins.level}::char(1)[], ${bins.bin}::timestamptz[], ${bins.sign}::int[]) as b(level, bin, sign)
    ), k as (
      select x.metric, x.dim, x.bucket, (b.sign * x.n)::float8 as n from b
        join stats_rollup x on x.level = b.level and x.bin = b.bin and x.metric <> 'quarter' ${team}
      union all
      select x.metric, x.dim, x.bucket, (b.sign * x.n)::float8 from b
        join stats_rollup_delta x on x.level = b.level and x.bin = b.bin and x.metric <> 'quarter' ${team}
      ${edgeRows(cover.plus.rows, cover.minus.rows, keyTeam)}
    )
    select metric, dim, bucket, sum(n) as n, null::bytea as counts from k group by 1, 2, 3 having sum(n) <> 0
    union all
    select x.metric, x.dim, 0, b.sign, x.counts from b
      join stats_hist x on x.level = b.level and x.bin = b.bin ${team}`.execute(db);

  const counts = new Map<string, RollupCount>();
  const histograms = new Map<string, RollupHistogram>();
  const histogram = (metric: string, dim: string): DenseHistogram => {
    const key = `${metric}\u0000${dim}`;
    let h = histograms.get(key);
    if (!h) histograms.set(key, (h = { metric, dim, counts: denseHistogram() }));
    return h.counts;
  };
  for (const row of r) {
    const n = num(row.n);
    if (row.counts !== null) {
      addPacked(histogram(row.metric, row.dim), row.counts, n);
    } else if (HISTOGRAM_METRICS.includes(row.metric)) {
      // A pending delta or an edge row of a histogram: one bucket.
      histogram(row.metric, row.dim)[num(row.bucket)]! += n;
    } else {
      const key = `${row.metric}\u0000${row.dim}`;
      const c = counts.get(key);
      if (c) c.n += n;
      else counts.set(key, { metric: row.metric, dim: row.dim, n });
    }
  }
  return { counts: [...counts.values()].filter((c) => c.n !== 0), histograms: [...histograms.values()] };
}

/** Adds a packed histogram of stats_hist (6-byte pairs: int2 bucket, int4 count, big-endian) times `sign`. */
export function addPacked(into: DenseHistogram, packed: Buffer, sign: number): void {
  for (let i = 0; i + 6 <= packed.length; i += 6) into[packed.readUInt16BE(i)]! += sign * packed.readInt32BE(i + 2);
}

/**
 * The cases waiting for a first reply now, from the all-time counter the triggers keep (level 'a'
 * of the 'open' metric, with its pending deltas), and of those the ones at risk and the ones
 * overdue: only the few due from `now` on are read (mentions_open_due_idx), the rest of the
 * backlog is overdue. One statement, so the counter and the rows are of one snapshot.
 */
export async function openNowFromRollup(db: Executor, now: Date): Promise<{ waiting: number; atRisk: number; overdue: number }> {
  const { rows } = await sql<{ waiting: number; due_later: number; at_risk: number }>`
    select (select coalesce(sum(n), 0) from stats_rollup where level = 'a' and metric = 'open')::float8
         + (select coalesce(sum(n), 0) from stats_rollup_delta where level = 'a' and metric = 'open')::float8 as waiting,
           count(*)::float8 as due_later,
           count(*) filter (where sla_warn_at <= ${now})::float8 as at_risk
      from mentions
     where first_response_at is null and status in ('new', 'claimed', 'escalated') and sla_due_at >= ${now}`.execute(db);
  const row = rows[0];
  const waiting = num(row?.waiting);
  return { waiting, atRisk: num(row?.at_risk), overdue: waiting - num(row?.due_later) };
}

/** The three busiest hours of the day in `timeZone` by cases received in [from, to), from 15-minute bins. */
export async function busiestHoursFromRollup(db: Executor, from: Date, to: Date, timeZone: string): Promise<Array<{ hour: number; count: number }>> {
  const s = quarterSpans(from, to);
  const edges =
    s.rows.length === 0
      ? sql``
      : sql`union all
            select date_bin('15 minutes', posted_at, timestamptz '2000-01-01 00:00:00+00'), 1 from mentions where ${inSpans(sql.ref('posted_at'), s.rows)}`;
  const { rows: r } = await sql<{ hour: number; n: number }>`
    select extract(hour from bin at time zone ${timeZone})::int as hour, sum(n) as n from (
      select bin, n::float8 from (${binRows('stats_rollup', [['q', s.quarters]], sql`metric = 'quarter'`)}) r
      union all
      select bin, n::float8 from (${binRows('stats_rollup_delta', [['q', s.quarters]], sql`metric = 'quarter'`)}) d
      ${edges}
    ) x
    group by 1
    having sum(n) > 0
    order by 2 desc, 1
    limit 3`.execute(db);
  return r.map((x) => ({ hour: num(x.hour), count: num(x.n) }));
}

/**
 * Folds the pending deltas into the rollups in one statement: the deltas it deletes are the ones it
 * adds, counts into stats_rollup and histogram buckets into the packed rows of stats_hist
 * (stats_sketch_add); another compaction running at once skips rows this one deleted, and waits on
 * the keys it upserts, taken in key order. Then drops the keys and histograms that fell to zero.
 * Returns how many delta rows it folded.
 */
export async function compactStatsRollup(db: Executor): Promise<number> {
  const r = await sql<{ moved: number }>`
    with moved as (delete from stats_rollup_delta returning level, bin, metric, dim, bucket, n),
    keys as (
      select level, bin, metric, dim, bucket, sum(n) as n from moved group by 1, 2, 3, 4, 5 having sum(n) <> 0),
    folded as (
      insert into stats_rollup as r (level, bin, metric, dim, bucket, n)
      select level, bin, metric, dim, bucket, n from keys where metric not in ${HISTOGRAMS} order by 1, 2, 3, 4, 5
      on conflict (level, bin, metric, dim, bucket) do update set n = r.n + excluded.n
      returning 1),
    packed as (
      insert into stats_hist as h (level, bin, metric, dim, counts)
      select level, bin, metric, dim, string_agg(int2send(bucket::smallint) || int4send(n::integer), ''::bytea order by bucket)
        from keys where metric in ${HISTOGRAMS}
       group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (level, bin, metric, dim) do update set counts = stats_sketch_add(h.counts, excluded.counts)
      returning 1)
    select (select count(*) from moved)::int as moved, (select count(*) from folded)::int as keys, (select count(*) from packed)::int as histograms`.execute(db);
  await sql`delete from stats_rollup where n = 0`.execute(db);
  await sql`delete from stats_hist where counts = ''::bytea`.execute(db);
  return num(r.rows[0]?.moved);
}

/**
 * What a period's read touches (for the bench): count keys and pending delta rows, packed
 * histograms and their bytes, and the cases at its edges.
 */
export async function rollupRowsRead(
  db: Executor,
  from: Date,
  to: Date,
  now: Date = to,
): Promise<{ rollup: number; delta: number; histograms: number; histogram_bytes: number; edge_cases: number }> {
  const s = signedRollupSpans(from, to, now);
  const bins = binArrays(s);
  const rows = [...s.plus.rows, ...s.minus.rows];
  const r = await sql<{ rollup: number; delta: number; histograms: number; histogram_bytes: number; edge_cases: number }>`
    with b as (select * from unnest(${bins.level}::char(1)[], ${bins.bin}::timestamptz[]) as b(level, bin))
    select (select count(*) from b join stats_rollup x on x.level = b.level and x.bin = b.bin and x.metric <> 'quarter')::int as rollup,
           (select count(*) from b join stats_rollup_delta x on x.level = b.level and x.bin = b.bin and x.metric <> 'quarter')::int as delta,
           (select count(*) from b join stats_hist x on x.level = b.level and x.bin = b.bin)::int as histograms,
           (select coalesce(sum(length(x.counts)), 0) from b join stats_hist x on x.level = b.level and x.bin = b.bin)::int as histogram_bytes,
           (select count(*) from mentions where ${inSpans(sql.ref('posted_at'), rows)} or ${inSpans(sql.ref('sla_due_at'), rows)})::int as edge_cases`.execute(db);
  const row = r.rows[0];
  return { rollup: num(row?.rollup), delta: num(row?.delta), histograms: num(row?.histograms), histogram_bytes: num(row?.histogram_bytes), edge_cases: num(row?.edge_cases) };
}
