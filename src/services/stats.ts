import { conversationRows } from '../db/case-stats.js';
import { openNowFigures, statsRows, type PeriodCountName } from '../db/stats.js';
import type { Executor } from '../db/database.js';
import { num, numOrNull, type PeriodFigures, type ResponderFigures, type StatsQuery, type StatsReport } from '../domain/stats.js';

/** The report behind /social-stats, assembled from the figures Postgres computed (db/stats.ts). */
export async function computeStats(db: Executor, q: StatsQuery): Promise<StatsReport> {
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
  const sorted = [...people.values()].sort((a, b) => b.replied - a.replied || b.claimed - a.claimed || b.due - a.due || a.userId.localeCompare(b.userId));

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
