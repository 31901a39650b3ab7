/**
 * Where a poll of one X timeline (mentions, or one recent-search query) stands, kept in
 * `app_state` so a restart neither re-reads nor skips posts (every post read is billed).
 *
 * X pages newest → oldest. A catch-up that needs several pages therefore cannot move `sinceId`
 * until its last page is stored: until then `paging` remembers the catch-up's lower bound, the
 * token of the next (older) page and the newest id of the first page. The cursor is written
 * after each page's mentions are stored, so a crash re-reads at most the page in flight (a
 * database failure in a running process re-reads nothing: the poller keeps the unstored page).
 */
import { maxXId } from './normalise.js';

export interface XCursor {
  /** Everything up to this id is stored (when `paging` is null). */
  sinceId: string | null;
  /** Before the first post: read nothing older than this (X_BACKFILL_HOURS before the first run). */
  startTime: string | null;
  paging: XPaging | null;
}

export interface XPaging {
  /** The catch-up's lower bound (exclusive), or its start time when there was no since id yet. */
  sinceId: string | null;
  startTime: string | null;
  /** Token of the next, older page. */
  token: string | null;
  /** Oldest id stored so far in this catch-up: the next page is older (fallback when a token is refused). */
  untilId: string | null;
  /**
   * Newest id of the catch-up's first page with posts: becomes sinceId when the last page is
   * stored. Null while every page so far was empty: the brand's own timeline counts posts that
   * `exclude` leaves out towards max_results, so a page can hold none and still have a next one.
   */
  targetNewestId: string | null;
}

export interface PageMeta {
  newest_id?: string;
  oldest_id?: string;
  result_count?: number;
  next_token?: string;
}

/** X wants RFC 3339 without fractions. */
export function xTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function freshCursor(now: Date, backfillHours: number): XCursor {
  return { sinceId: null, startTime: xTime(new Date(now.getTime() - backfillHours * 3_600_000)), paging: null };
}

/** The bounds of the next request. `tokenParam` is the endpoint's name for the page token. */
export function nextQuery(c: XCursor, tokenParam: 'pagination_token' | 'next_token', useUntilId = false): Record<string, string> {
  if (c.paging) {
    const q: Record<string, string> = {};
    if (c.paging.sinceId) q.since_id = c.paging.sinceId;
    else if (c.paging.startTime) q.start_time = c.paging.startTime;
    if (c.paging.token && !useUntilId) q[tokenParam] = c.paging.token;
    else if (c.paging.untilId) q.until_id = c.paging.untilId;
    return q;
  }
  if (c.sinceId) return { since_id: c.sinceId };
  if (c.startTime) return { start_time: c.startTime };
  return {};
}

/** The cursor after one page (newest first) was stored. */
export function advanceCursor(c: XCursor, meta: PageMeta | undefined): XCursor {
  const next = meta?.next_token;
  const newest = meta?.newest_id;
  if (!c.paging) {
    if (next) {
      return {
        ...c,
        paging: {
          sinceId: c.sinceId,
          startTime: c.sinceId ? null : c.startTime,
          token: next,
          untilId: meta.oldest_id ?? null,
          targetNewestId: newest ?? null,
        },
      };
    }
    return newest ? { ...c, sinceId: maxXId(c.sinceId, newest) } : c;
  }
  const target = c.paging.targetNewestId ?? newest ?? null;
  if (next) return { ...c, paging: { ...c.paging, token: next, untilId: meta.oldest_id ?? c.paging.untilId, targetNewestId: target } };
  return { ...c, sinceId: maxXId(c.sinceId, target), paging: null };
}

/** Stream mode: everything up to `id` is stored (only moves forward, never during a catch-up). */
export function raiseCursor(c: XCursor, id: string): XCursor {
  if (c.paging) return c;
  const sinceId = maxXId(c.sinceId, id);
  return sinceId === c.sinceId ? c : { ...c, sinceId };
}
