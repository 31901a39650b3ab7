import { sql } from 'kysely';
import type { Database, Db } from './database.js';

/** Advisory lock keys: one per kind of leader work. */
export const LOCK = { slaSweep: 7_100_001, xPoller: 7_100_002, blueskyPoller: 7_100_015, mastodonPoller: 7_100_016, statsCompact: 7_100_017 } as const;

/** Per database handle (one per app instance), so instances in one test process still contend in Postgres. */
const running = new WeakMap<Database, Set<number>>();

/**
 * Runs `fn` only if no other replica (and no other tick in this process) is running the same
 * leader work; returns whether it ran. On a Postgres server this is a session-level advisory
 * lock held on one pinned connection for the duration of `fn` (released when it returns, or by
 * the server if the connection drops), so `fn` may make slow HTTP calls without holding a
 * transaction open. `fn` gets that connection (a Kysely bound to it) for work it wants to do on
 * it, saving a pool checkout per statement; it must not leave a transaction open on it. The
 * embedded database serves one process, so an in-process guard suffices (and `fn` gets the db).
 */
export async function runAsLeader(database: Database, key: number, fn: (pinned: Db) => Promise<void>): Promise<boolean> {
  let local = running.get(database);
  if (!local) running.set(database, (local = new Set()));
  if (local.has(key)) return false;
  local.add(key);
  try {
    if (database.embedded) {
      await fn(database.db);
      return true;
    }
    return await database.db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}) as ok`.execute(conn);
      if (!got.rows[0]?.ok) return false;
      try {
        await fn(conn);
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(conn).catch(() => undefined);
      }
      return true;
    });
  } finally {
    local.delete(key);
  }
}
