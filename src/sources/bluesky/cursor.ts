/**
 * Where a read of one newest-first Bluesky list (notifications, the brand's feed) stands, kept in
 * `app_state`. Bluesky's cursors only page towards older items, so a catch-up of several pages
 * keeps the old lower bound (`since`) until its last page is stored; `paging` holds the token of
 * the next older page and the newest item of the first page, which becomes `since` at the end.
 * The cursor is written after each page is stored: a crash re-reads at most the page in flight.
 */
export interface Mark {
  /** indexedAt of the newest stored item. */
  at: string;
  /** Items stored with exactly that time (several can share a millisecond). */
  ids: string[];
}

export interface ListCursor {
  since: Mark;
  paging: { token: string; target: Mark } | null;
}

export function freshCursor(now: Date, backfillHours: number): ListCursor {
  return { since: { at: new Date(now.getTime() - backfillHours * 3_600_000).toISOString(), ids: [] }, paging: null };
}

function time(at: string): number {
  const t = Date.parse(at);
  return Number.isNaN(t) ? 0 : t;
}

/** Whether an item is newer than the mark (not yet stored). */
export function isNew(item: { id: string; at: string }, since: Mark): boolean {
  const a = time(item.at);
  const b = time(since.at);
  return a > b || (a === b && !since.ids.includes(item.id));
}

/** The mark of a newest-first page: its first item's time and every id sharing it. */
export function markOf(items: { id: string; at: string }[]): Mark | undefined {
  const first = items[0];
  if (!first) return undefined;
  const t = time(first.at);
  return { at: first.at, ids: items.filter((i) => time(i.at) === t).map((i) => i.id) };
}

export function newerMark(a: Mark, b: Mark | undefined): Mark {
  if (!b) return a;
  const x = time(a.at);
  const y = time(b.at);
  if (y > x) return b;
  if (y < x) return a;
  return { at: a.at, ids: [...new Set([...a.ids, ...b.ids])] };
}

/**
 * The cursor after a page was stored. `reachedOld`: the page held an item already stored (or
 * older than the backfill start), so the catch-up is complete.
 */
export function advance(c: ListCursor, items: { id: string; at: string }[], nextToken: string | undefined, reachedOld: boolean): { cursor: ListCursor; done: boolean } {
  const target = c.paging ? c.paging.target : newerMark(c.since, markOf(items));
  if (reachedOld || !nextToken || items.length === 0) return { cursor: { since: target, paging: null }, done: true };
  return { cursor: { since: c.since, paging: { token: nextToken, target } }, done: false };
}
