import { conversationRows, nextOverdueCount } from '../db/case-stats.js';
import { openNowFigures, statsRows, type PeriodCountName } from '../db/stats.js';
import { busiestHoursFromRollup, openNowFromRollup, rollupPeriod, type RollupPeriod } from '../db/stats-rollup.js';
import type { Executor } from '../db/database.js';
import { densePercentile, denseTotal, type DenseHistogram } from '../domain/stats-rollup.js';
import { num, numOrNull, type PeriodFigures, type ResponderFigures, type StatsQuery, type StatsReport } from '../domain/stats.js';

/**
 * The report behind /social-stats. The team's comes from the rollups (db/stats-rollup.ts): counts
 * per key and response-time histograms, medians and p90 exact to the bucket (30 s below 4 hours),
 * and the open queue from the all-time counter plus the cases due from now on.
 * One person's reads the rows of the cases they own (db/stats.ts, db/case-stats.ts): exact.
 */
export async function computeStats(db: Executor, q: StatsQuery): Promise<StatsReport> {
  return q.userId === undefined ? teamStats(db, q) : computeStatsFromRows(db, q);
}

async function teamStats(db: Executor, q: StatsQuery): Promise<StatsReport> {
  const w = q.window;
  const [cur, prev, busiestHours, openNow, nextOverdue] = await Promise.all([
    rollupPeriod(db, w.from, w.to, { now: q.now }),
    rollupPeriod(db, w.prevFrom, w.prevTo, { people: false, now: q.now }),
    busiestHoursFromRollup(db, w.from, w.to, w.timeZone),
    openNowFromRollup(db, q.now),
    nextOverdueCount(db, q.now),
  ]);
  const people = new Map<string, ResponderFigures>();
  const person = (who: string): ResponderFigures => {
    let f = people.get(who);
    if (!f) {
      f = { userId: who, claimed: 0, replied: 0, medianFirstResponseSec: null, due: 0, dueMet: 0, withinTarget: null };
      people.set(who, f);
    }
    return f;
  };
  for (const k of cur.counts) {
    if (k.dim === '') continue;
    if (k.metric === 'claimed') person(k.dim).claimed = k.n;
    else if (k.metric === 'due') person(k.dim).due = k.n;
    else if (k.metric === 'met') person(k.dim).dueMet = k.n;
  }
  for (const h of cur.histograms) {
    if (h.metric !== 'frt_by' || h.dim === '') continue;
    const total = denseTotal(h.counts);
    if (total <= 0) continue;
    const f = person(h.dim);
    f.replied = total;
    f.medianFirstResponseSec = densePercentile(h.counts, 0.5, total);
  }
  for (const f of people.values()) f.withinTarget = f.due > 0 ? f.dueMet / f.due : null;
  const sorted = sortResponders([...people.values()]);
  return {
    window: w,
    current: rollupFigures(cur),
    previous: rollupFigures(prev),
    openNow,
    nextOverdue,
    responders: sorted.slice(0, q.maxResponders ?? 25),
    respondersTotal: sorted.length,
    busiestHours,
  };
}

/** One period's team figures (dim '' is the team's total). */
function rollupFigures(period: RollupPeriod): PeriodFigures {
  const count = new Map<string, number>();
  for (const k of period.counts) if (k.dim === '') count.set(k.metric, k.n);
  const team = (metric: string): DenseHistogram | undefined => period.histograms.find((h) => h.metric === metric && h.dim === '')?.counts;
  const percentile = (h: DenseHistogram | undefined, p: number) => (h ? densePercentile(h, p) : null);
  const frt = team('frt');
  const nextWait = team('next_wait');
  const n = (metric: string) => count.get(metric) ?? 0;
  const due = n('due');
  const next = n('next');
  return {
    received: n('received'),
    posts: n('posts'),
    answered: n('answered'),
    open: n('open'),
    closedNoReply: n('closed_no_reply'),
    medianFirstResponseSec: percentile(frt, 0.5),
    p90FirstResponseSec: percentile(frt, 0.9),
    due,
    dueMet: n('met'),
    withinTarget: due > 0 ? n('met') / due : null,
    nextResponses: next,
    medianNextResponseSec: percentile(nextWait, 0.5),
    nextMet: n('next_met'),
    nextWithinTarget: next > 0 ? n('next_met') / next : null,
    escalated: n('escalated'),
    escalations: { isolated: n('esc_isolated'), policy: n('esc_policy'), procedural: n('esc_procedural'), other: n('esc_other') },
    sentiment: { positive: n('positive'), neutral: n('neutral'), negative: n('negative'), unscored: n('unscored') },
  };
}

function sortResponders(people: ResponderFigures[]): ResponderFigures[] {
  return people.sort((a, b) => b.replied - a.replied || b.claimed - a.claimed || b.due - a.due || a.userId.localeCompare(b.userId));
}

/**
 * The report over the rows (of the cases `q.userId` owns, or of all): exact percentiles. What a
 * person's report is; for the team, the exact figure the rollups are checked against.
 */
export async function computeStatsFromRows(db: Executor, q: StatsQuery): Promise<StatsReport> {
  const [{ counts, curPct, prevPct, breakdown, repliers, due }, openNow, conversation] = await Promise.all([
    statsRows(db, q),
    openNowFigures(db, q.now, q.userId),
    conversationRows(db, q),
  ]);
  const figures = (period: 'cur' | 'prev'): PeriodFigures => {
    const r = counts.find((x) => x.cur === (period === 'cur'));
    const n = (name: PeriodCountName) => num(r?.[name]);
    const pct = (period === 'cur' ? curPct : prevPct)[0];
    const d = due.find((x) => x.cur === (period === 'cur') && x.total);
    const dueCount = num(d?.due);
    const met = num(d?.met);
    const c = conversation.periods.find((x) => x.cur === (period === 'cur'));
    const next = num(c?.next);
    return {
      received: n('received'),
      posts: num(c?.posts),
      answered: n('answered'),
      open: n('open'),
      closedNoReply: n('closed_no_reply'),
      medianFirstResponseSec: numOrNull(pct?.median_s),
      p90FirstResponseSec: numOrNull(pct?.p90_s),
      due: dueCount,
      dueMet: met,
      withinTarget: dueCount > 0 ? met / dueCount : null,
      nextResponses: next,
      medianNextResponseSec: numOrNull(c?.next_median_s),
      nextMet: num(c?.next_met),
      nextWithinTarget: next > 0 ? num(c?.next_met) / next : null,
      escalated: n('escalated'),
      escalations: { isolated: n('esc_isolated'), policy: n('esc_policy'), procedural: n('esc_procedural'), other: n('esc_other') },
      sentiment: { positive: n('positive'), neutral: n('neutral'), negative: n('negative'), unscored: n('unscored') },
    };
  };

  const people = new Map<string, ResponderFigures>();
  const person = (who: string): ResponderFigures => {
    let f = people.get(who);
    if (!f) {
      f = { userId: who, claimed: 0, replied: 0, medianFirstResponseSec: null, due: 0, dueMet: 0, withinTarget: null };
      people.set(who, f);
    }
    return f;
  };
  const wanted = (who: string | null): who is string => who !== null && (q.userId === undefined || who === q.userId);
  for (const b of breakdown) if (b.kind === 'owner' && wanted(b.owner_id)) person(b.owner_id).claimed = num(b.n);
  for (const r of repliers) {
    if (!wanted(r.who)) continue;
    const f = person(r.who);
    f.replied = num(r.replied);
    f.medianFirstResponseSec = numOrNull(r.median_s);
  }
  for (const d of due) {
    if (!d.cur || d.total || !wanted(d.owner_id)) continue;
    const f = person(d.owner_id);
    f.due = num(d.due);
    f.dueMet = num(d.met);
    f.withinTarget = f.due > 0 ? f.dueMet / f.due : null;
  }
  const sorted = sortResponders([...people.values()]);

  return {
    window: q.window,
    ...(q.userId !== undefined ? { userId: q.userId } : {}),
    current: figures('cur'),
    previous: figures('prev'),
    openNow,
    nextOverdue: conversation.nextOverdue,
    responders: sorted.slice(0, q.maxResponders ?? 25),
    respondersTotal: sorted.length,
    busiestHours: breakdown.filter((b) => b.kind === 'hour').map((h) => ({ hour: num(h.hour), count: num(h.n) })),
  };
}
