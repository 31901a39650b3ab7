import { sql } from 'kysely';
import { OPEN_STATUSES, UNCLAIMED_STATUSES } from '../domain/lifecycle.js';
import type { Executor } from './database.js';
import type { MentionRow } from './schema.js';

/** The App Home tab's lists: one person's open mentions and the unclaimed pool, each with its total. */
export async function homeLists(
  db: Executor,
  q: { userId: string; mineMax: number; unclaimedMax: number },
): Promise<{ mine: MentionRow[]; mineTotal: number; unclaimed: MentionRow[]; unclaimedTotal: number }> {
  const mineWhere = db.selectFrom('mentions').where('owner_id', '=', q.userId).where('status', 'in', [...OPEN_STATUSES]);
  const unclaimedWhere = db.selectFrom('mentions').where('owner_id', 'is', null).where('status', 'in', [...UNCLAIMED_STATUSES]);
  const [mine, mineTotal, unclaimed, unclaimedTotal] = await Promise.all([
    mineWhere
      .selectAll()
      // Waiting for a (first or next) reply first, by deadline; then the answered ones still to resolve.
      .orderBy(sql`first_response_at is null or waiting_since is not null`, 'desc')
      .orderBy('sla_due_at')
      .limit(q.mineMax)
      .execute(),
    mineWhere.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    unclaimedWhere.selectAll().orderBy('posted_at').orderBy('id').limit(q.unclaimedMax).execute(),
    unclaimedWhere.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
  ]);
  return { mine, mineTotal: Number(mineTotal?.n ?? 0), unclaimed, unclaimedTotal: Number(unclaimedTotal?.n ?? 0) };
}

/** Remembers who opened the tab, so a change on any replica refreshes their view. */
export async function recordHomeViewer(db: Executor, userId: string, at: Date): Promise<void> {
  await db
    .insertInto('home_viewers')
    .values({ user_id: userId, opened_at: at })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ opened_at: at }))
    .execute();
}

/** Who opened the tab since `since`, most recent first. */
export async function recentHomeViewers(db: Executor, since: Date, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('home_viewers').select('user_id').where('opened_at', '>=', since).orderBy('opened_at', 'desc').limit(limit).execute();
  return rows.map((r) => r.user_id);
}
