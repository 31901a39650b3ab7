import { sql } from 'kysely';
import { OPEN_STATUSES } from '../domain/lifecycle.js';
import type { StatsQuery } from '../domain/stats.js';
import type { StatsWindow } from '../domain/stats-window.js';
import type { Executor } from './database.js';

/**
 * The conversation figures of /social-stats, beside the per-case ones of db/stats.ts (raw SQL for
 * the same reasons as there):
 * - posts: the customer's posts in the period (posts_inbound_posted_idx), shown beside the cases;
 * - next responses: waits after the customer wrote again that ended in the period, by when they
 *   ended (case_responses_next_idx): count, median of responded_at − waiting_since, and how
 *   many came by their deadline (responded_at ≤ due_at);
 * - next waits open past their deadline now (mentions_next_wait_idx).
 * A report about one person counts the cases that person owns.
 */

export interface ConversationRow {
  cur: boolean;
  posts: number;
  next: number;
  next_met: number;
  next_median_s: number | null;
}

function inEitherPeriod(column: string, w: StatsWindow) {
  const c = sql.ref(column);
  return sql`${c} >= ${w.prevFrom} and ${c} < ${w.to} and (${c} >= ${w.from} or ${c} < ${w.prevTo})`;
}

function ownedCase(column: string, userId: string | undefined) {
  return userId === undefined ? sql`` : sql`and ${sql.ref(column)} in (select id from mentions where owner_id = ${userId})`;
}

export async function conversationRows(db: Executor, q: StatsQuery): Promise<{ periods: ConversationRow[]; nextOverdue: number }> {
  const w = q.window;
  const [posts, next, overdue] = await Promise.all([
    sql<{ cur: boolean; n: number }>`
      select posted_at >= ${w.from} as cur, count(*)::int as n
        from posts
       where direction = 'inbound' and ${inEitherPeriod('posted_at', w)} ${ownedCase('case_id', q.userId)}
       group by 1`.execute(db),
    sql<{ cur: boolean; n: number; met: number; median_s: number | null }>`
      select responded_at >= ${w.from} as cur, count(*)::int as n,
             count(*) filter (where responded_at <= due_at)::int as met,
             extract(epoch from percentile_cont(0.5) within group (order by greatest(responded_at, waiting_since) - waiting_since))::float8 as median_s
        from case_responses
       where kind = 'next' and ${inEitherPeriod('responded_at', w)} ${ownedCase('case_id', q.userId)}
       group by 1`.execute(db),
    nextOverdueCount(db, q.now, q.userId),
  ]);
  const periods = [true, false].map((cur): ConversationRow => {
    const p = posts.rows.find((r) => r.cur === cur);
    const n = next.rows.find((r) => r.cur === cur);
    return { cur, posts: Number(p?.n ?? 0), next: Number(n?.n ?? 0), next_met: Number(n?.met ?? 0), next_median_s: n?.median_s ?? null };
  });
  return { periods, nextOverdue: overdue };
}

/** Next waits open past their deadline now (mentions_next_wait_idx), of the cases `userId` owns when given. */
export async function nextOverdueCount(db: Executor, now: Date, userId?: string): Promise<number> {
  const open = sql.join(OPEN_STATUSES.map((s) => sql.lit(s)));
  const owner = userId === undefined ? sql`` : sql`and owner_id = ${userId}`;
  const r = await sql<{ n: number }>`
    select count(*)::int as n
      from mentions
     where waiting_since is not null and first_response_at is not null and status in (${open})
       and sla_due_at < ${now} ${owner}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
