import { sql, type RawBuilder } from 'kysely';
import { AWAITING_REPLY, type MentionStatus } from '../domain/lifecycle.js';
import { num, numOrNull, type OpenNow, type StatsQuery } from '../domain/stats.js';
import type { StatsWindow } from '../domain/stats-window.js';
import type { Executor } from './database.js';

/**
 * The numbers behind /social-stats, all computed by Postgres: counts, FILTERed aggregates and
 * `percentile_cont` over index ranges (see migrations/0004_stats.ts). No mention row is loaded into
 * JavaScript; each query returns a handful of rows whatever the volume.
 *
 * Written in raw SQL, unlike the other repositories: the builder cannot express `percentile_cont …
 * within group`, `date_bin`, grouping sets or the named FILTER list, and the partial indexes the
 * queries rely on need their predicates as literals.
 *
 * Definitions (also in the README):
 * - received: mentions posted in the period. Of those, by their state now: answered (a first reply
 *   the customer can see exists), open (still waiting for one), closed without reply (no reply
 *   needed / spam). received = answered + open + closed without reply.
 * - first response time: first_response_at − posted_at (a reply stamped before the post counts
 *   as 0), over the answered mentions received in the period; median and p90 by percentile_cont.
 * - % within target: of the mentions whose deadline (sla_due_at) fell in the period, the share
 *   answered by that deadline. Mentions closed without any reply are not due (`not_applicable`);
 *   a mention still unanswered past its deadline counts as missed.
 * - per person: claimed = mentions received in the period that the person owns now; replied = first
 *   replies they sent to mentions received in the period, with their median; % within target =
 *   of the mentions they own that came due in the period, the share answered in time.
 */

const AWAITING = sql`status in (${sql.join(AWAITING_REPLY.map((st) => sql.lit(st)))})`;
/** Post to first reply, never negative (a reply stamped before the post, clock skew, counts as 0). */
const FIRST_RESPONSE = sql`(greatest(first_response_at, posted_at) - posted_at)`;

/**
 * Every figure of one report. Small queries run side by side on the pool (and Postgres' parallel
 * workers): the answer takes as long as the slowest of them, not their sum. Each reads one index range.
 */
export async function statsRows(db: Executor, q: StatsQuery) {
  const [counts, curPct, prevPct, breakdown, repliers, due] = await Promise.all([
    reportQuery(db, periodCounts(q)),
    reportQuery(db, periodPercentiles(q, 'cur')),
    reportQuery(db, periodPercentiles(q, 'prev')),
    reportQuery(db, currentBreakdown(q)),
    reportQuery(db, replierFigures(q)),
    reportQuery(db, dueCounts(q)),
  ]);
  return { counts, curPct, prevPct, breakdown, repliers, due };
}

/**
 * Runs a report query in a transaction of its own with JIT off (compiling costs more than these
 * queries take) and room to sort in memory. Inside a caller's transaction it just runs.
 */
export async function reportQuery<T>(db: Executor, query: RawBuilder<T>): Promise<T[]> {
  if (db.isTransaction) return (await query.execute(db)).rows;
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('jit', 'off', true), set_config('work_mem', '32MB', true)`.execute(trx);
    return (await query.execute(trx)).rows;
  });
}

/** Rows whose `column` lies in the current or the previous period (they may have a gap between them: `today`). */
function inEitherPeriod(column: RawBuilder<unknown>, w: StatsWindow) {
  return sql`${column} >= ${w.prevFrom} and ${column} < ${w.to} and (${column} >= ${w.from} or ${column} < ${w.prevTo})`;
}

function ownedBy(userId: string | undefined) {
  return userId === undefined ? sql`` : sql`and owner_id = ${userId}`;
}

/** What is counted per period, each a FILTER over the mentions received in it (named as in PeriodFigures). */
const PERIOD_COUNTS = [
  ['received', sql`true`],
  ['answered', sql`first_response_at is not null`],
  ['open', sql`first_response_at is null and ${AWAITING}`],
  ['closed_no_reply', sql`status = ${sql.lit('closed_no_reply' satisfies MentionStatus)}`],
  ['escalated', sql`escalated_at is not null`],
  ['esc_isolated', sql`escalated_at is not null and escalation_category = 'isolated'`],
  ['esc_policy', sql`escalated_at is not null and escalation_category = 'policy'`],
  ['esc_procedural', sql`escalated_at is not null and escalation_category = 'procedural'`],
  ['esc_other', sql`escalated_at is not null and (escalation_category is null or escalation_category not in ('isolated', 'policy', 'procedural'))`],
  ['positive', sql`sentiment_label = 'positive'`],
  ['neutral', sql`sentiment_label = 'neutral'`],
  ['negative', sql`sentiment_label = 'negative'`],
  ['unscored', sql`sentiment_label is null or sentiment_label not in ('positive', 'neutral', 'negative')`],
] as const;

export type PeriodCountName = (typeof PERIOD_COUNTS)[number][0];
type CountsRow = { cur: boolean } & Record<(typeof PERIOD_COUNTS)[number][0], number>;

/** Both periods in one index-only range scan over posted_at (mentions_stats_posted_idx), hashed by period; parallel. */
function periodCounts(q: StatsQuery) {
  const w = q.window;
  const columns = PERIOD_COUNTS.map(([name, when]) => sql`count(*) filter (where ${when})::int as ${sql.ref(name)}`);
  return sql<CountsRow>`
    select posted_at >= ${w.from} as cur, ${sql.join(columns)}
      from mentions
     where ${inEitherPeriod(sql.ref('posted_at'), w)} ${ownedBy(q.userId)}
     group by 1`;
}

/** Median and p90 first response of one period: percentile_cont over its answered mentions (one shared sort). */
function periodPercentiles(q: StatsQuery, period: 'cur' | 'prev') {
  const w = q.window;
  const [from, to] = period === 'cur' ? [w.from, w.to] : [w.prevFrom, w.prevTo];
  return sql<{ median_s: number | null; p90_s: number | null }>`
    select extract(epoch from pct[1])::float8 as median_s, extract(epoch from pct[2])::float8 as p90_s
      from (select percentile_cont(array[0.5, 0.9]) within group (order by ${FIRST_RESPONSE}) as pct
              from mentions
             where posted_at >= ${from} and posted_at < ${to} and first_response_at is not null ${ownedBy(q.userId)}) p`;
}

interface BreakdownRow {
  kind: 'owner' | 'hour';
  owner_id: string | null;
  hour: number | null;
  n: number;
}

/**
 * The current period by owner ("claimed") and by hour of the day, in one hashed scan. Rows are
 * binned by the quarter hour (cheap) and the bins turned into local hours afterwards: every time
 * zone's offset is a whole number of quarter hours. The three busiest hours are picked in SQL.
 */
function currentBreakdown(q: StatsQuery) {
  const w = q.window;
  return sql<BreakdownRow>`
    with g as (
      select owner_id, bin, grouping(owner_id) as by_bin, count(*)::int as n
        from (select owner_id, date_bin('15 minutes', posted_at, timestamptz '2000-01-01 00:00:00+00') as bin
                from mentions
               where posted_at >= ${w.from} and posted_at < ${w.to} ${ownedBy(q.userId)}) m
       group by grouping sets ((owner_id), (bin))),
    h as (
      select extract(hour from bin at time zone ${w.timeZone})::int as hour, sum(n)::int as n
        from g where by_bin = 1 group by 1)
    select 'owner' as kind, owner_id, null::int as hour, n from g where by_bin = 0 and owner_id is not null
    union all
    (select 'hour', null, hour, n from h order by n desc, hour limit 3)`;
}

interface ReplierRow {
  who: string;
  replied: number;
  median_s: number | null;
}

/** First replies per person in the current period, with their median (mentions_stats_replier_idx for one person). */
function replierFigures(q: StatsQuery) {
  const w = q.window;
  const one = q.userId === undefined ? sql`` : sql`and first_response_by = ${q.userId}`;
  return sql<ReplierRow>`
    select first_response_by as who, count(*)::int as replied,
           extract(epoch from percentile_cont(0.5) within group (order by ${FIRST_RESPONSE}))::float8 as median_s
      from mentions
     where posted_at >= ${w.from} and posted_at < ${w.to} and first_response_by is not null ${one}
     group by 1`;
}

interface DueRow {
  cur: boolean;
  owner_id: string | null;
  /** The period's total rather than one owner's share. */
  total: boolean;
  due: number;
  met: number;
}

/** Deadlines in either period, per owner and in total (mentions_stats_due_idx). */
function dueCounts(q: StatsQuery) {
  const w = q.window;
  return sql<DueRow>`
    with d as (
      select sla_due_at >= ${w.from} as cur, owner_id,
             count(*) filter (where first_response_at is not null or closed_at is null)::int as due,
             count(*) filter (where first_response_at <= sla_due_at)::int as met
        from mentions
       where ${inEitherPeriod(sql.ref('sla_due_at'), w)} ${ownedBy(q.userId)}
       group by 1, 2)
    select cur, owner_id, false as total, due, met from d where owner_id is not null
    union all
    select cur, null, true, sum(due)::int, sum(met)::int from d group by cur`;
}

/** The queue right now, from the partial index of open, unanswered mentions (mentions_open_stats_idx). */
export async function openNowFigures(db: Executor, now: Date, userId?: string): Promise<OpenNow> {
  const r = await sql<{ waiting: number; at_risk: number; overdue: number }>`
    select count(*)::int as waiting,
           count(*) filter (where sla_warn_at <= ${now} and sla_due_at >= ${now})::int as at_risk,
           count(*) filter (where sla_due_at < ${now})::int as overdue
      from mentions
     where first_response_at is null and ${AWAITING} ${ownedBy(userId)}`.execute(db);
  const row = r.rows[0];
  return { waiting: num(row?.waiting), atRisk: num(row?.at_risk), overdue: num(row?.overdue) };
}

/** Median first response of mentions received since `from` (the Home tab's "today"). */
export async function medianFirstResponseSince(db: Executor, from: Date, to: Date): Promise<number | null> {
  const rows = await reportQuery(
    db,
    sql<{ median_s: number | null }>`
      select extract(epoch from percentile_cont(0.5) within group (order by ${FIRST_RESPONSE}))::float8 as median_s
        from mentions
       where posted_at >= ${from} and posted_at < ${to} and first_response_at is not null`,
  );
  return numOrNull(rows[0]?.median_s);
}
