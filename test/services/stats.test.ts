// Over 300 lines: one fixture (a hand-made team history with known figures) read by every block:
// the team, other windows, the answer's text and the CSV export all assert against the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { MentionStatus } from '../../src/domain/lifecycle.js';
import { statsWindow } from '../../src/domain/stats-window.js';
import { csvCell, EXPORT_COLUMNS, mentionsCsv } from '../../src/services/export.js';
import type { StatsReport } from '../../src/domain/stats.js';
import { openNowFigures } from '../../src/db/stats.js';
import { computeStats } from '../../src/services/stats.js';
import { statsMessage } from '../../src/slack/blocks/stats.js';
import { validateMessageBlocks } from '../fakes/slack-server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * A small dataset whose answers were worked out by hand (the comments show the arithmetic).
 * now = 2026-03-10 12:00 UTC; every mention's target is 60 min (warning at 45).
 *
 *  id      posted       reply (by, after)   owner  state now         sentiment  escalation
 *  c1      20 h ago     ALICE 10 min        ALICE  resolved          negative
 *  c2      19 h ago     ALICE 30 min        ALICE  replied           positive
 *  c3      18 h ago     BOB 90 min (late)   BOB    replied           negative   policy
 *  c4      10 h ago     BOB 20 min          BOB    resolved          neutral
 *  c5      9.5 h ago    CAROL 60 min (=due) ALICE  replied           neutral    isolated
 *  c6      5 h ago      –                   –      closed: spam      –
 *  c7      3 h ago      –                   CAROL  escalated (late)  negative   procedural
 *  c8      50 min ago   –                   –      new (at risk)     positive
 *  c9      10 min ago   –                   –      new (on track)    negative
 *  c10     2 h ago      ALICE 5 min         ALICE  replied           positive
 *  p1      30 h ago     ALICE 20 min        ALICE  resolved          positive
 *  p2      28 h ago     BOB 120 min (late)  BOB    replied           negative
 *  p3      26 h ago     –                   –      closed: no reply  neutral
 *  pEdge   24.5 h ago   BOB 40 min          BOB    resolved          negative    (posted in the previous 24 h, due in the current one)
 *  o1      3 d ago      ALICE 45 min        ALICE  resolved          positive
 *  o2      5 d ago      –                   –      new (overdue)     negative
 *  y1      10 d ago     ALICE 30 min        ALICE  resolved          positive
 *  x1      20 d ago     ALICE 5 min         ALICE  resolved          positive    (outside every period tested)
 */
const NOW = new Date('2026-03-10T12:00:00Z');
const MIN = 60_000;
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * MIN);

interface Seed {
  id: string;
  postedMinAgo: number;
  reply?: { by: string; after: number };
  owner?: string;
  status: MentionStatus;
  sentiment?: 'positive' | 'neutral' | 'negative';
  escalation?: 'isolated' | 'policy' | 'procedural';
  closedAfter?: number;
}

const H = 60;
const D = 24 * H;
const SEEDS: Seed[] = [
  { id: 'c1', postedMinAgo: 20 * H, reply: { by: 'UALICE', after: 10 }, owner: 'UALICE', status: 'resolved', sentiment: 'negative', closedAfter: 100 },
  { id: 'c2', postedMinAgo: 19 * H, reply: { by: 'UALICE', after: 30 }, owner: 'UALICE', status: 'replied', sentiment: 'positive' },
  { id: 'c3', postedMinAgo: 18 * H, reply: { by: 'UBOB', after: 90 }, owner: 'UBOB', status: 'replied', sentiment: 'negative', escalation: 'policy' },
  { id: 'c4', postedMinAgo: 10 * H, reply: { by: 'UBOB', after: 20 }, owner: 'UBOB', status: 'resolved', sentiment: 'neutral', closedAfter: 60 },
  { id: 'c5', postedMinAgo: 9.5 * H, reply: { by: 'UCAROL', after: 60 }, owner: 'UALICE', status: 'replied', sentiment: 'neutral', escalation: 'isolated' },
  { id: 'c6', postedMinAgo: 5 * H, status: 'closed_no_reply', closedAfter: 5 },
  { id: 'c7', postedMinAgo: 3 * H, owner: 'UCAROL', status: 'escalated', sentiment: 'negative', escalation: 'procedural' },
  { id: 'c8', postedMinAgo: 50, status: 'new', sentiment: 'positive' },
  { id: 'c9', postedMinAgo: 10, status: 'new', sentiment: 'negative' },
  { id: 'c10', postedMinAgo: 2 * H, reply: { by: 'UALICE', after: 5 }, owner: 'UALICE', status: 'replied', sentiment: 'positive' },
  { id: 'p1', postedMinAgo: 30 * H, reply: { by: 'UALICE', after: 20 }, owner: 'UALICE', status: 'resolved', sentiment: 'positive', closedAfter: 30 },
  { id: 'p2', postedMinAgo: 28 * H, reply: { by: 'UBOB', after: 120 }, owner: 'UBOB', status: 'replied', sentiment: 'negative' },
  { id: 'p3', postedMinAgo: 26 * H, status: 'closed_no_reply', sentiment: 'neutral', closedAfter: 10 },
  { id: 'pEdge', postedMinAgo: 24.5 * H, reply: { by: 'UBOB', after: 40 }, owner: 'UBOB', status: 'resolved', sentiment: 'negative', closedAfter: 50 },
  { id: 'o1', postedMinAgo: 3 * D, reply: { by: 'UALICE', after: 45 }, owner: 'UALICE', status: 'resolved', sentiment: 'positive', closedAfter: 60 },
  { id: 'o2', postedMinAgo: 5 * D, status: 'new', sentiment: 'negative' },
  { id: 'y1', postedMinAgo: 10 * D, reply: { by: 'UALICE', after: 30 }, owner: 'UALICE', status: 'resolved', sentiment: 'positive', closedAfter: 40 },
  { id: 'x1', postedMinAgo: 20 * D, reply: { by: 'UALICE', after: 5 }, owner: 'UALICE', status: 'resolved', sentiment: 'positive', closedAfter: 10 },
];

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
  await database.db
    .insertInto('mentions')
    .values(
      SEEDS.map((s) => {
        const posted = minutesAgo(s.postedMinAgo);
        const at = (after: number) => new Date(posted.getTime() + after * MIN);
        return {
          source: 'x',
          external_id: s.id,
          text: `mention ${s.id}`,
          author_handle: `author_${s.id}`,
          posted_at: posted,
          sla_warn_at: at(45),
          sla_due_at: at(60),
          status: s.status,
          owner_id: s.owner ?? null,
          claimed_at: s.owner ? at(1) : null,
          first_response_at: s.reply ? at(s.reply.after) : null,
          first_response_by: s.reply?.by ?? null,
          closed_at: s.closedAfter !== undefined ? at(s.closedAfter) : null,
          close_kind: s.status === 'resolved' ? 'resolved' : s.status === 'closed_no_reply' ? (s.id === 'c6' ? 'spam' : 'no_reply_needed') : null,
          escalated_at: s.escalation ? at(2) : null,
          escalation_category: s.escalation ?? null,
          escalation_severity: s.escalation ? 'high' : null,
          sentiment_label: s.sentiment ?? null,
        };
      }),
    )
    .execute();
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

const report = (period: Parameters<typeof statsWindow>[0], opts: { userId?: string; now?: Date; timeZone?: string } = {}) => {
  const now = opts.now ?? NOW;
  return computeStats(database.db, { window: statsWindow(period, now, opts.timeZone ?? 'UTC'), userId: opts.userId, now });
};

describe('the team over the last 24 hours', () => {
  let r: StatsReport;
  beforeAll(async () => {
    r = await report('24h');
  });

  it('counts received = answered + open + closed without reply, by the mentions’ state now', () => {
    // c1..c10; answered c1 c2 c3 c4 c5 c10; open c7 c8 c9; closed c6.
    expect(r.current).toMatchObject({ received: 10, answered: 6, open: 3, closedNoReply: 1 });
  });

  it('median and p90 first response, by percentile_cont', () => {
    // 5, 10, 20, 30, 60, 90 min: median (20 + 30) / 2 = 25 min; p90 at rank 0.9 × 5 = 4.5 → 60 + 0.5 × 30 = 75 min.
    expect(r.current.medianFirstResponseSec).toBe(25 * 60);
    expect(r.current.p90FirstResponseSec).toBe(75 * 60);
  });

  it('% within target counts deadlines in the period; closed without reply is not due; unanswered past due is missed', () => {
    // Due in the last 24 h: c1 c2 c3 c4 c5 c7 c10 and pEdge (posted the day before); c6 is n/a; c8, c9 are not due yet.
    // Met: c1 c2 c4 c5 (exactly at the deadline) c10 pEdge; missed: c3 (90 min), c7 (no reply).
    expect(r.current).toMatchObject({ due: 8, dueMet: 6, withinTarget: 0.75 });
  });

  it('escalations by category and the sentiment mix', () => {
    expect(r.current.escalated).toBe(3);
    expect(r.current.escalations).toEqual({ isolated: 1, policy: 1, procedural: 1, other: 0 });
    expect(r.current.sentiment).toEqual({ positive: 3, neutral: 2, negative: 4, unscored: 1 });
  });

  it('compares with the 24 hours before', () => {
    // p1 p2 p3 pEdge; replies 20, 40, 120 min → median 40, p90 at rank 1.8 → 40 + 0.8 × 80 = 104 min.
    // Due in the previous 24 h: p1 (met) and p2 (missed); pEdge is due in the current period.
    expect(r.previous).toMatchObject({
      received: 4,
      answered: 3,
      open: 0,
      closedNoReply: 1,
      medianFirstResponseSec: 40 * 60,
      p90FirstResponseSec: 104 * 60,
      due: 2,
      dueMet: 1,
      withinTarget: 0.5,
      escalated: 0,
    });
    expect(r.previous.sentiment).toEqual({ positive: 1, neutral: 1, negative: 2, unscored: 0 });
  });

  it('per person: claimed (owned now), replied with their median, and % within target of what they own', () => {
    expect(r.responders).toEqual([
      // Owns c1 c2 c5 c10; replied c1 (10) c2 (30) c10 (5) → median 10; owns 4 deadlines, all met.
      { userId: 'UALICE', claimed: 4, replied: 3, medianFirstResponseSec: 600, due: 4, dueMet: 4, withinTarget: 1 },
      // Owns c3 c4; replied c3 (90) c4 (20) → median 55; deadlines c3 (missed) c4 pEdge (met).
      { userId: 'UBOB', claimed: 2, replied: 2, medianFirstResponseSec: 55 * 60, due: 3, dueMet: 2, withinTarget: 2 / 3 },
      // Owns c7 (missed, unanswered); replied c5 for Alice in 60 min.
      { userId: 'UCAROL', claimed: 1, replied: 1, medianFirstResponseSec: 3600, due: 1, dueMet: 0, withinTarget: 0 },
    ]);
    expect(r.respondersTotal).toBe(3);
  });

  it('busiest hours of the day in the team’s zone', () => {
    // Posted at 16, 17, 18, 02, 02:30, 07, 09, 11:10, 11:50, 10 (UTC).
    expect(r.busiestHours).toEqual([
      { hour: 2, count: 2 },
      { hour: 11, count: 2 },
      { hour: 7, count: 1 },
    ]);
  });

  it('open now: every unanswered open mention, whenever posted', () => {
    // c7 (overdue), c8 (at risk: 50 min > 45), c9 (on track), o2 (5 days overdue).
    expect(r.openNow).toEqual({ waiting: 4, atRisk: 1, overdue: 2 });
  });
});

describe('other windows', () => {
  it('7 days, against the 7 days before', async () => {
    const r = await report('7d');
    // Adds p1 p2 p3 pEdge o1 o2 to the last 24 h: 16 received; answered + p1 p2 pEdge o1 = 10; open + o2 = 4; closed c6 p3.
    expect(r.current).toMatchObject({ received: 16, answered: 10, open: 4, closedNoReply: 2, escalated: 3 });
    // 5 10 20 20 30 40 45 60 90 120 → median (30 + 40) / 2 = 35; p90 at rank 8.1 → 90 + 0.1 × 30 = 93 min.
    expect(r.current.medianFirstResponseSec).toBe(35 * 60);
    expect(r.current.p90FirstResponseSec).toBeCloseTo(93 * 60, 6);
    // Due: the 8 of the last day + p1 p2 o1 o2 = 12; met: 6 + p1 + o1 = 8.
    expect(r.current).toMatchObject({ due: 12, dueMet: 8 });
    expect(r.current.withinTarget).toBeCloseTo(8 / 12, 10);
    expect(r.current.sentiment).toEqual({ positive: 5, neutral: 3, negative: 7, unscored: 1 });
    // The 7 days before: y1 only (x1 is 20 days old).
    expect(r.previous).toMatchObject({ received: 1, answered: 1, medianFirstResponseSec: 1800, p90FirstResponseSec: 1800, due: 1, dueMet: 1, withinTarget: 1 });
  });

  it('today so far against yesterday up to the same time', async () => {
    const r = await report('today');
    // Since 00:00: c4 c5 c6 c7 c8 c9 c10. Yesterday 00:00–12:00: p1 p2 p3 pEdge.
    expect(r.current.received).toBe(7);
    expect(r.previous.received).toBe(4);
    // Yesterday's 12:00–24:00 (c1 c2 c3) belongs to neither.
    expect(r.current.received + r.previous.received).toBe(11);
  });

  it('today in another time zone moves the day boundary', async () => {
    // Midnight in Tokyo (UTC+9) is 15:00 UTC the day before: today = c1 (16:00 UTC) onwards, 10 mentions.
    const r = await report('today', { timeZone: 'Asia/Tokyo' });
    expect(r.current.received).toBe(10);
    expect(r.busiestHours[0]).toEqual({ hour: 11, count: 2 }); // 02:00 UTC is 11:00 in Tokyo
  });

  it('one person: the mentions they own, and their row only', async () => {
    const r = await report('24h', { userId: 'UBOB' });
    // c3 c4: replies 90 and 20 → median 55, p90 20 + 0.9 × 70 = 83 min. Deadlines owned: c3 c4 pEdge.
    expect(r.current).toMatchObject({ received: 2, answered: 2, open: 0, closedNoReply: 0, due: 3, dueMet: 2, escalated: 1 });
    expect(r.current.medianFirstResponseSec).toBe(55 * 60);
    expect(r.current.p90FirstResponseSec).toBe(83 * 60);
    // Before: p2 pEdge (120, 40 → median 80, p90 112); due p2 only, missed.
    expect(r.previous).toMatchObject({ received: 2, answered: 2, medianFirstResponseSec: 80 * 60, p90FirstResponseSec: 112 * 60, due: 1, dueMet: 0, withinTarget: 0 });
    expect(r.responders).toEqual([{ userId: 'UBOB', claimed: 2, replied: 2, medianFirstResponseSec: 55 * 60, due: 3, dueMet: 2, withinTarget: 2 / 3 }]);
    expect(r.openNow).toEqual({ waiting: 0, atRisk: 0, overdue: 0 });
    expect(await openNowFigures(database.db, NOW, 'UCAROL')).toEqual({ waiting: 1, atRisk: 0, overdue: 1 });
  });

  it('a person who replied for someone else appears with their reply only', async () => {
    const r = await report('24h', { userId: 'UCAROL' });
    expect(r.responders).toEqual([{ userId: 'UCAROL', claimed: 1, replied: 1, medianFirstResponseSec: 3600, due: 1, dueMet: 0, withinTarget: 0 }]);
  });

  it('an empty period says so: zeros and nulls, never NaN', async () => {
    const later = new Date('2026-09-01T12:00:00Z');
    const r = await report('24h', { now: later });
    expect(r.current).toMatchObject({ received: 0, answered: 0, due: 0, withinTarget: null, medianFirstResponseSec: null, p90FirstResponseSec: null });
    expect(r.previous).toMatchObject({ received: 0, withinTarget: null, medianFirstResponseSec: null });
    expect(r.responders).toEqual([]);
    expect(r.busiestHours).toEqual([]);
    const msg = statsMessage(r);
    const all = JSON.stringify(msg);
    expect(all).not.toMatch(/NaN|undefined|Infinity/);
    expect(all).toContain('No mentions were received in the last 24 hours');
    expect(all).toContain('Nobody claimed or answered a mention');
    // The open queue is still shown: c7 c8 c9 o2 are all overdue by then.
    expect(all).toContain('4 waiting for a first reply');
    expect(validateMessageBlocks(msg.blocks)).toEqual([]);
  });
});

describe('the answer', () => {
  it('shows every headline with its previous value and arrows', async () => {
    const msg = statsMessage(await report('24h'));
    expect(validateMessageBlocks(msg.blocks)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('*Received*\\n*10*  ▲ 150% (4)');
    expect(all).toContain('*Answered*\\n*6*  ▲ 100% (3)');
    expect(all).toContain('*Open (no reply yet)*\\n*3*  ▲ (0)');
    expect(all).toContain('*Closed without reply*\\n*1*  = (1)');
    expect(all).toContain('*Median first response*\\n*25 min*  ▼ 15 min (40 min)');
    expect(all).toContain('*p90 first response*\\n*75 min*  ▼ 29 min (104 min)');
    expect(all).toContain('*Within target*\\n*75% (6 of 8)*  ▲ 25 pts (50%)');
    expect(all).toContain('*Escalated*\\n*3*  ▲ (0)');
    expect(all).toContain('isolated case 1 · policy 1 · procedural 1');
    // 3 / 9, 2 / 9, 4 / 9 of the scored; negative 44% against 2 / 4 = 50% before.
    expect(all).toContain('positive 33% · :neutral_face: neutral 22% · :rage: negative 44% ▼ 6 pts (50%) · 1 not scored');
    expect(all).toContain('02:00–03:00 (2) · 11:00–12:00 (2) · 07:00–08:00 (1)');
    expect(all).toContain('4 waiting for a first reply · :warning: 1 at risk · :rotating_light: 2 overdue');
    expect(all).toContain('<@UALICE> · 4 · 3 · 10 min · 100% (4/4)');
    expect(all).toContain('<@UBOB> · 2 · 2 · 55 min · 67% (2/3)');
    expect(all).toContain('<@UCAROL> · 1 · 1 · 60 min · 0% (0/1)');
    expect(msg.text).toBe('Social care, last 24 hours: 10 received, 6 answered, median first response 25 min, 75% (6 of 8) within target.');
  });
});

describe('the CSV export', () => {
  const rowsOf = (csv: Buffer) => {
    const [header, ...lines] = csv.toString('utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    const cols = header!.split(',');
    return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
  };

  it('one row per mention of the period, oldest first, with the SLA state as the card shows it', async () => {
    const w = statsWindow('24h', NOW, 'UTC');
    const out = await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW });
    expect(out).toMatchObject({ rows: 10, truncated: false });
    const rows = rowsOf(out.csv);
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((r) => r.external_id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c10', 'c8', 'c9']);
    const by = Object.fromEntries(rows.map((r) => [r.external_id, r]));
    expect(by.c3).toMatchObject({ first_response_by: 'UBOB', first_response_minutes: '90', sla_state: 'missed', escalation_category: 'policy' });
    expect(by.c5).toMatchObject({ owner: 'UALICE', first_response_by: 'UCAROL', first_response_minutes: '60', sla_state: 'met' });
    expect(by.c6).toMatchObject({ status: 'closed_no_reply', close_kind: 'spam', first_response_minutes: '', sla_state: 'not_applicable' });
    expect(by.c7!.sla_state).toBe('breached');
    expect(by.c8!.sla_state).toBe('at_risk');
    expect(by.c9!.sla_state).toBe('on_track');
    expect(by.c1!.posted_at).toBe('2026-03-09T16:00:00.000Z');
  });

  it('one person’s mentions, and a cut that says so', async () => {
    const w = statsWindow('7d', NOW, 'UTC');
    expect(rowsOf((await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW, userId: 'UBOB' })).csv).map((r) => r.external_id)).toEqual(['p2', 'pEdge', 'c3', 'c4']);
    const cut = await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW, maxRows: 3 });
    expect(cut).toMatchObject({ rows: 3, truncated: true });
    expect(rowsOf(cut.csv)).toHaveLength(3);
  });

  it('a byte cap cuts the file at a whole row and says which cap it was', async () => {
    const w = statsWindow('7d', NOW, 'UTC');
    const full = await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW });
    const lines = full.csv.toString('utf8').split('\r\n');
    // Room for the header and the first two rows, and a byte short of the third.
    const cap = Buffer.byteLength(lines.slice(0, 4).join('\r\n') + '\r\n', 'utf8') - 1;
    const cut = await mentionsCsv(database.db, { from: w.from, to: w.to, now: NOW, maxBytes: cap });
    expect(cut).toMatchObject({ rows: 2, truncated: true, cut: 'bytes' });
    expect(cut.csv.length).toBeLessThanOrEqual(cap);
    expect(rowsOf(cut.csv)).toHaveLength(2);
    expect(full.cut).toBeNull();
  });

  it('quotes like RFC 4180 and defuses spreadsheet formulas in customer text only', () => {
    expect(csvCell('a,b "c"', 'text')).toBe('"a,b ""c"""');
    expect(csvCell('=SUM(A1)', 'text')).toBe("'=SUM(A1)");
    expect(csvCell('@jane', 'author_handle')).toBe("'@jane");
    expect(csvCell('-0.6', 'sentiment_score')).toBe('-0.6');
    expect(csvCell(null, 'owner')).toBe('');
    expect(csvCell(new Date('2026-03-10T12:00:00Z'), 'posted_at')).toBe('2026-03-10T12:00:00.000Z');
  });
});
