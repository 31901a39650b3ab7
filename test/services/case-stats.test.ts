import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { MentionStatus } from '../../src/domain/lifecycle.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import { mentionsCsv } from '../../src/services/export.js';
import { computeStats } from '../../src/services/stats.js';
import { statsMessage } from '../../src/slack/blocks/stats.js';
import { validateMessageBlocks } from '../fakes/slack-server.js';
import { addCustomerPost, addResponse } from '../support/cases.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Conversation figures of /social-stats over cases whose posts and waits are written directly,
 * checked against the same figures computed here over the rows. now = 2026-03-10 12:00 UTC.
 */
const NOW = new Date('2026-03-10T12:00:00Z');
const MIN = 60_000;
const ago = (m: number) => new Date(NOW.getTime() - m * MIN);
const H = 60;

interface CaseSeed {
  id: string;
  firstMinAgo: number;
  owner?: string;
  status: MentionStatus;
  firstReplyAfter?: number;
  /** Later customer posts, minutes ago. */
  more: number[];
  /** Next waits: since (min ago), deadline (min after since), answered (min after since). */
  next: Array<{ since: number; due: number; after: number }>;
  /** Waiting again now, with this deadline (min ago; negative = in the future). */
  waitingDue?: number;
}

const CASES: CaseSeed[] = [
  { id: 'a', firstMinAgo: 20 * H, owner: 'UALICE', status: 'replied', firstReplyAfter: 10, more: [15 * H, 6 * H], next: [{ since: 15 * H, due: 60, after: 30 }, { since: 6 * H, due: 60, after: 90 }] },
  { id: 'b', firstMinAgo: 22 * H, owner: 'UBOB', status: 'claimed', firstReplyAfter: 20, more: [3 * H], next: [], waitingDue: 2 * H },
  { id: 'c', firstMinAgo: 5 * H, owner: 'UBOB', status: 'replied', firstReplyAfter: 5, more: [4 * H, 3.5 * H], next: [{ since: 4 * H, due: 60, after: 12 }] },
  { id: 'd', firstMinAgo: 2 * H, status: 'new', more: [H] , next: [] },
  { id: 'e', firstMinAgo: 30 * H, owner: 'UALICE', status: 'replied', firstReplyAfter: 15, more: [27 * H, 23 * H], next: [{ since: 27 * H, due: 60, after: 45 }, { since: 23 * H, due: 60, after: 50 }], waitingDue: -30 },
  { id: 'f', firstMinAgo: 40 * H, owner: 'UALICE', status: 'resolved', firstReplyAfter: 25, more: [], next: [] },
];

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  const db = database.db;
  for (const c of CASES) {
    const posted = ago(c.firstMinAgo);
    const at = (after: number) => new Date(posted.getTime() + after * MIN);
    const row = await db
      .insertInto('mentions')
      .values({
        source: 'x',
        external_id: `case-${c.id}`,
        text: `case ${c.id}`,
        author_handle: `author_${c.id}`,
        posted_at: posted,
        last_customer_post_at: posted,
        sla_warn_at: c.waitingDue !== undefined ? new Date(ago(c.waitingDue).getTime() - 15 * MIN) : at(45),
        sla_due_at: c.waitingDue !== undefined ? ago(c.waitingDue) : at(60),
        status: c.status,
        owner_id: c.owner ?? null,
        first_response_at: c.firstReplyAfter !== undefined ? at(c.firstReplyAfter) : null,
        first_response_by: c.firstReplyAfter !== undefined ? (c.owner ?? null) : null,
        waiting_since: c.waitingDue !== undefined ? ago(c.more.at(-1)!) : c.firstReplyAfter === undefined ? posted : null,
        closed_at: c.status === 'resolved' ? at(60) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('posts').values({ case_id: row.id, source: 'x', external_id: `case-${c.id}`, text: `case ${c.id}`, author_handle: `author_${c.id}`, posted_at: posted }).execute();
    for (const m of c.more) await addCustomerPost(db, row.id, { postedAt: ago(m) });
    if (c.firstReplyAfter !== undefined) {
      await addResponse(db, row.id, { kind: 'first', waitingSince: posted, dueAt: at(60), respondedAt: at(c.firstReplyAfter), responderId: c.owner ?? null });
    }
    for (const n of c.next) {
      const since = ago(n.since);
      await addResponse(db, row.id, { kind: 'next', waitingSince: since, dueAt: new Date(since.getTime() + n.due * MIN), respondedAt: new Date(since.getTime() + n.after * MIN), via: 'outside' });
    }
  }
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

const report = (userId?: string) => computeStats(database.db, { window: statsWindow('24h', NOW, 'UTC'), userId, now: NOW });

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The figures computed here, over every row, for the period [from, to). */
async function byHand(from: Date, to: Date, owner?: string) {
  const db = database.db;
  const owned = new Set((await db.selectFrom('mentions').select(['id', 'owner_id']).execute()).filter((m) => owner === undefined || m.owner_id === owner).map((m) => m.id));
  const inside = (d: Date) => d >= from && d < to;
  const posts = (await db.selectFrom('posts').selectAll().execute()).filter((p) => p.direction === 'inbound' && owned.has(p.case_id) && inside(p.posted_at));
  const next = (await db.selectFrom('case_responses').selectAll().execute()).filter((r) => r.kind === 'next' && owned.has(r.case_id) && inside(r.responded_at));
  return {
    posts: posts.length,
    nextResponses: next.length,
    nextMet: next.filter((r) => r.responded_at <= r.due_at).length,
    medianNextResponseSec: median(next.map((r) => (r.responded_at.getTime() - r.waiting_since.getTime()) / 1000)),
  };
}

describe('conversation figures', () => {
  it('customer posts and next responses in the period match a computation over the rows', async () => {
    const r = await report();
    const w = r.window;
    const cur = await byHand(w.from, w.to);
    const prev = await byHand(w.prevFrom, w.prevTo);
    expect(r.current).toMatchObject(cur);
    expect(r.previous).toMatchObject(prev);
    // By hand: posts a(20h, 15h, 6h) b(22h, 3h) c(5h, 4h, 3.5h) d(2h, 1h) e(23h) = 11; previous: e(30h, 27h) f(40h) = 3.
    // Next responses ending in the last 24 h: a 30 min, a 90 min (late), c 12 min, e 50 min (from 23 h ago): median 40 min, 3 of 4 in time.
    expect(r.current).toMatchObject({ received: 4, posts: 11, nextResponses: 4, nextMet: 3, medianNextResponseSec: 40 * 60, nextWithinTarget: 0.75 });
    expect(r.previous).toMatchObject({ received: 2, posts: 3, nextResponses: 1, nextMet: 1, medianNextResponseSec: 45 * 60 });
  });

  it('first response time stays per case: the first customer post to the first reply', async () => {
    // Cases received in the last 24 h and answered: a 10, b 20, c 5 min: median 10 min.
    expect((await report()).current.medianFirstResponseSec).toBe(10 * 60);
  });

  it('counts next waits open past their deadline now (not those still in time, not resolved cases)', async () => {
    // b waits again since 3 h ago, due 2 h ago; e's deadline is in 30 min.
    expect((await report()).nextOverdue).toBe(1);
    expect((await report('UALICE')).nextOverdue).toBe(0);
  });

  it('a person’s report counts the cases they own', async () => {
    const r = await report('UALICE');
    expect(r.current).toMatchObject(await byHand(r.window.from, r.window.to, 'UALICE'));
    // a(20h, 15h, 6h) e(23h); next a 30 and 90, e 50.
    expect(r.current).toMatchObject({ posts: 4, nextResponses: 3, nextMet: 2, medianNextResponseSec: 50 * 60 });
  });

  it('the answer shows customer posts beside the cases, and the next responses, inside Block Kit limits', async () => {
    const msg = statsMessage(await report());
    expect(validateMessageBlocks(msg.blocks)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('*Customer posts*\\n*11*  ▲ 267% (3)');
    expect(all).toContain('*Next responses*\\n*4 · median 40 min · 75% in time*');
    expect(all).toContain('1 waiting again past the next-response deadline');
  });
});

describe('the CSV export of cases', () => {
  it('one row per case, with its customer posts and next responses', async () => {
    const w = statsWindow('7d', NOW, 'UTC');
    const out = await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW });
    const [header, ...lines] = out.csv.toString('utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    const cols = header!.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
    expect(out.rows).toBe(CASES.length);
    const by = Object.fromEntries(rows.map((r) => [r.external_id, r]));
    for (const c of CASES) expect([c.id, by[`case-${c.id}`]!.customer_posts, by[`case-${c.id}`]!.next_responses]).toEqual([c.id, String(1 + c.more.length), String(c.next.length)]);
  });
});
