import { sql, type RawBuilder } from 'kysely';
import { num } from '../domain/stats.js';
import { quarterSpans, signedRollupSpans, type SignedRollupSpans, type Span } from '../domain/stats-rollup.js';
import type { Executor } from './database.js';

/**
 * The team's /social-stats figures from the rollups of migrations/0012_stats_rollups.ts: keys
 * (metric, dim, bucket) counted per hour, day, week and 28 days, maintained by triggers. A period is
 * read as signed bins and the rows of its partial hours (domain/stats-rollup.ts signedRollupSpans:
 * bins added, and bins subtracted where a whole bin less its outside reads fewer keys), so the work
 * does not grow with the volume. The rows at the edges go
 * through the same key functions as the triggers, so both agree by construction. Pending deltas
 * (not yet compacted) are read beside the rollup in the same snapshot.
 *
 * Each read is one plain statement (one round trip, no transaction of its own): it reads a few
 * thousand index entries, far below the costs at which JIT or a larger work_mem would matter, and a
 * single statement sees one snapshot anyway.
 *
 * Raw SQL: the key functions are set-returning SQL functions joined laterally, and the spans are
 * lists of ranges.
 */

export interface RollupKey {
  metric: string;
  dim: string;
  bucket: number;
  n: number;
  /** For a histogram bucket: the values in the buckets below it, and in the whole histogram (metric, dim). */
  before?: number;
  total?: number;
}

/** The histograms among the metrics, and the percentiles read from them. */
const HISTOGRAMS = sql.raw(`('frt', 'frt_by', 'next_wait')`);
const PERCENTILES = [0.5, 0.9];

/** The rank (0-based) `p` of the way through a histogram lies in this bucket (floor or ceiling of p(N−1)). */
const holdsRank = (p: number) =>
  sql`((before <= floor(${sql.lit(p)} * (total - 1)) and floor(${sql.lit(p)} * (total - 1)) < before + n)
      or (before <= ceil(${sql.lit(p)} * (total - 1)) and ceil(${sql.lit(p)} * (total - 1)) < before + n))`;
/** Per person only the median is shown: of their histograms (frt_by) only its buckets are kept. */
const wantedBucket = sql`(${holdsRank(0.5)} or (metric <> 'frt_by' and ${sql.join(
  PERCENTILES.filter((p) => p !== 0.5).map((p) => holdsRank(p)),
  sql` or `,
)}))`;

const NONE = sql`false`;

function inSpans(column: RawBuilder<unknown>, spans: Span[]): RawBuilder<unknown> {
  if (spans.length === 0) return NONE;
  return sql`(${sql.join(
    spans.map((s) => sql`(${column} >= ${s.from} and ${column} < ${s.to})`),
    sql` or `,
  )})`;
}

type Level = 'h' | 'd' | 'w' | 'm' | 'q';

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

/**
 * The keys of the rows in the spans of `plus` (counted +1) and of `minus` (counted −1): cases
 * received or due, inbound posts, next responses. One scan per table for both signs.
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
    select k.metric, k.dim, k.bucket, ${sign('m.sla_due_at')} from mentions m cross join lateral stats_mention_keys(${MENTION_ARGS}) k
     where ${edge('m.sla_due_at')} and k.metric in ${DUE_METRICS} ${keyDim}
    union all
    select 'posts', '', 0, ${sign('p.posted_at')} from posts p where p.direction = 'inbound' and ${edge('p.posted_at')}
    union all
    select k.metric, k.dim, k.bucket, ${sign('c.responded_at')} from case_responses c
     cross join lateral stats_response_keys(c.kind, c.waiting_since, c.due_at, c.responded_at) k
     where c.kind = 'next' and ${edge('c.responded_at')}`;
}

const levelParts = (s: SignedRollupSpans['plus']): Array<[Level, Span[]]> => [
  ['m', s.months],
  ['w', s.weeks],
  ['d', s.days],
  ['h', s.hours],
];

/**
 * Every key's count over [from, to): the cases received, their first responses, deadlines, posts and
 * next responses. The period is read as signed parts (domain signedRollupSpans): bins added, and
 * bins subtracted where a whole bin less its outside costs fewer keys than its smaller bins (`now`
 * tells which bins are still filling). With `people: false` only the team's keys (dim ''): the
 * per-person keys, most of them the repliers' histograms, are skipped.
 */
export async function rollupPeriod(db: Executor, from: Date, to: Date, opts: { people?: boolean; now?: Date } = {}): Promise<RollupKey[]> {
  const s = signedRollupSpans(from, to, opts.now ?? to);
  const teamOnly = opts.people === false;
  const notQuarter = teamOnly ? sql`metric <> 'quarter' and dim = ''` : sql`metric <> 'quarter'`;
  const keyDim = teamOnly ? sql`and k.dim = ''` : sql``;
  const signed = (part: SignedRollupSpans['plus'], sign: 1 | -1) => {
    const n = sign === 1 ? sql`n` : sql`-n as n`;
    return sql`
        select metric, dim, bucket, ${n} from (${binRows('stats_rollup', levelParts(part), notQuarter)}) r
        union all
        select metric, dim, bucket, ${n} from (${binRows('stats_rollup_delta', levelParts(part), notQuarter)}) d`;
  };
  const minus = s.minus;
  const anyMinus = minus.months.length + minus.weeks.length + minus.days.length + minus.hours.length > 0;
  // Counts come back per key; of each histogram only the buckets holding the ranks of its median
  // and p90 (with the counts below them), so a few dozen rows leave the database.
  const { rows: r } = await sql<RollupKey>`
    with g as (
      select metric, dim, bucket, sum(n)::float8 as n from (
        ${signed(s.plus, 1)}
        ${anyMinus ? sql`union all ${signed(minus, -1)}` : sql``}
        ${edgeRows(s.plus.rows, minus.rows, keyDim)}
      ) x
      group by 1, 2, 3
      having sum(n) <> 0),
    h as (
      select metric, dim, bucket, n,
             sum(n) over (partition by metric, dim order by bucket) - n as before,
             sum(n) over (partition by metric, dim) as total
        from g where metric in ${HISTOGRAMS})
    select metric, dim, bucket, n, null::float8 as before, null::float8 as total from g where metric not in ${HISTOGRAMS}
    union all
    select metric, dim, bucket, n, before, total from h
     where ${wantedBucket}`.execute(db);
  return r.map((x) => ({
    metric: x.metric,
    dim: x.dim,
    bucket: num(x.bucket),
    n: num(x.n),
    ...(x.total === null || x.total === undefined ? {} : { before: num(x.before), total: num(x.total) }),
  }));
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
    select extract(hour from bin at time zone ${timeZone})::int as hour, sum(n)::float8 as n from (
      select bin, n from (${binRows('stats_rollup', [['q', s.quarters]], sql`metric = 'quarter'`)}) r
      union all
      select bin, n from (${binRows('stats_rollup_delta', [['q', s.quarters]], sql`metric = 'quarter'`)}) d
      ${edges}
    ) x
    group by 1
    having sum(n) > 0
    order by 2 desc, 1
    limit 3`.execute(db);
  return r.map((x) => ({ hour: num(x.hour), count: num(x.n) }));
}

/**
 * Folds the pending deltas into the rollup in one statement: the deltas it deletes are the ones it
 * adds (another compaction running at once skips rows this one deleted, and waits on the keys it
 * upserts, taken in key order), then drops the keys whose count fell to zero. Returns how many
 * delta rows it folded.
 */
export async function compactStatsRollup(db: Executor): Promise<number> {
  const r = await sql<{ moved: number }>`
    with moved as (delete from stats_rollup_delta returning level, bin, metric, dim, bucket, n),
    folded as (
      insert into stats_rollup as r (level, bin, metric, dim, bucket, n)
      select level, bin, metric, dim, bucket, sum(n) from moved group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
      on conflict (level, bin, metric, dim, bucket) do update set n = r.n + excluded.n
      returning 1)
    select (select count(*) from moved)::int as moved, (select count(*) from folded)::int as keys`.execute(db);
  await sql`delete from stats_rollup where n = 0`.execute(db);
  return num(r.rows[0]?.moved);
}

/** How many rows a period's read touches: rollup and delta rows, and the cases at its edges (for the bench). */
export async function rollupRowsRead(db: Executor, from: Date, to: Date, now: Date = to): Promise<{ rollup: number; delta: number; edge_cases: number }> {
  const s = signedRollupSpans(from, to, now);
  const parts = [...levelParts(s.plus), ...levelParts(s.minus)];
  const rows = [...s.plus.rows, ...s.minus.rows];
  const notQuarter = sql`metric <> 'quarter'`;
  const r = await sql<{ rollup: number; delta: number; edge_cases: number }>`
    select (select count(*) from (${binRows('stats_rollup', parts, notQuarter)}) x)::int as rollup,
           (select count(*) from (${binRows('stats_rollup_delta', parts, notQuarter)}) x)::int as delta,
           (select count(*) from mentions where ${inSpans(sql.ref('posted_at'), rows)} or ${inSpans(sql.ref('sla_due_at'), rows)})::int as edge_cases`.execute(db);
  const row = r.rows[0];
  return { rollup: num(row?.rollup), delta: num(row?.delta), edge_cases: num(row?.edge_cases) };
}
