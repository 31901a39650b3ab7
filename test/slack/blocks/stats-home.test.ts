import { describe, expect, it } from 'vitest';
import type { MentionRow } from '../../../src/db/schema.js';
import { defaultSlaPolicy } from '../../../src/domain/sla.js';
import { statsWindow } from '../../../src/domain/stats-window.js';
import type { PeriodFigures, StatsReport } from '../../../src/domain/stats.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import { countChange, duration, durationChange, ratioChange, statsHelpMessage, statsMessage } from '../../../src/slack/blocks/stats.js';
import { validateMessageBlocks, validateView } from '../../fakes/slack-server.js';

const NOW = new Date('2026-03-10T12:00:00Z');

function figures(over: Partial<PeriodFigures> = {}): PeriodFigures {
  return {
    received: 120,
    posts: 150,
    answered: 100,
    open: 12,
    closedNoReply: 8,
    medianFirstResponseSec: 14 * 60,
    p90FirstResponseSec: 70 * 60,
    due: 110,
    dueMet: 99,
    withinTarget: 0.9,
    nextResponses: 0,
    medianNextResponseSec: null,
    nextMet: 0,
    nextWithinTarget: null,
    escalated: 4,
    escalations: { isolated: 2, policy: 1, procedural: 1, other: 0 },
    sentiment: { positive: 30, neutral: 60, negative: 30, unscored: 0 },
    ...over,
  };
}

function report(over: Partial<StatsReport> = {}): StatsReport {
  return {
    window: statsWindow('7d', NOW, 'Europe/Berlin'),
    current: figures(),
    previous: figures({ received: 100 }),
    openNow: { waiting: 12, atRisk: 2, overdue: 1 },
    responders: [],
    respondersTotal: 0,
    busiestHours: [{ hour: 23, count: 30 }],
    ...over,
  };
}

function mention(id: number, over: Partial<MentionRow> = {}): MentionRow {
  const posted = new Date(NOW.getTime() - id * 60_000);
  return {
    id,
    source: 'x',
    external_id: String(id),
    url: `https://x.com/i/status/${id}`,
    text: `<!channel> please help ${'x'.repeat(400)}`,
    author_external_id: null,
    author_handle: `<@U0EVIL>${id}`,
    author_name: 'Jane & <b>',
    author_followers: 1200,
    posted_at: posted,
    received_at: posted,
    lang: null,
    conversation_id: null,
    sentiment_score: null,
    sentiment_label: 'negative',
    priority: 'normal',
    priority_reasons: [],
    first_contact: false,
    status: 'new',
    owner_id: null,
    claimed_at: null,
    escalated_at: null,
    escalated_by: null,
    escalation_severity: null,
    escalation_category: null,
    escalation_reason: null,
    first_response_at: null,
    first_response_by: null,
    closed_at: null,
    closed_by: null,
    close_kind: null,
    close_reason: null,
    sla_warn_at: new Date(posted.getTime() + 45 * 60_000),
    sla_due_at: new Date(posted.getTime() + 60 * 60_000),
    card_channel: null,
    card_ts: null,
    raw: null,
    updated_at: posted,
    ...over,
  } as MentionRow;
}

describe('comparison with the previous period', () => {
  it('arrows and the previous value, in words when there was nothing', () => {
    expect(countChange(12, 10)).toBe('▲ 20% (10)');
    expect(countChange(5, 10)).toBe('▼ 50% (10)');
    expect(countChange(3, 3)).toBe('= (3)');
    expect(countChange(3, 0)).toBe('▲ (0)');
    expect(countChange(0, 4)).toBe('▼ 100% (4)');
    expect(durationChange(600, 900)).toBe('▼ 5 min (15 min)');
    expect(durationChange(600, null)).toBe('(none before)');
    expect(durationChange(null, 900)).toBe('(15 min)');
    expect(ratioChange(0.9, 0.85)).toBe('▲ 5 pts (85%)');
    expect(ratioChange(null, 0.85)).toBe('(85%)');
    expect(duration(null)).toBe('no replies yet');
    expect(duration(42)).toBe('42 s');
    expect(duration(3 * 3600 + 120)).toBe('3 h 2 min');
  });
});

describe('statsMessage', () => {
  it('stays within Slack’s limits with a hundred responders', () => {
    const responders = Array.from({ length: 100 }, (_, i) => ({ userId: `U${String(i).padStart(8, '0')}`, claimed: 10, replied: 9, medianFirstResponseSec: 600, due: 9, dueMet: 8, withinTarget: 8 / 9 }));
    const msg = statsMessage(report({ responders, respondersTotal: 140 }));
    expect(validateMessageBlocks(msg.blocks)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks as Array<{ text?: { text: string } }>) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(msg.blocks)).toMatch(/…and \d+ more/);
    expect(msg.text).toBeTruthy();
  });

  it('says what is missing instead of NaN: nothing came due, nothing scored, nobody answered', () => {
    const empty = figures({ answered: 0, medianFirstResponseSec: null, p90FirstResponseSec: null, due: 0, dueMet: 0, withinTarget: null, escalated: 0, sentiment: { positive: 0, neutral: 0, negative: 0, unscored: 3 } });
    const msg = statsMessage(report({ current: { ...empty, received: 3, open: 3, closedNoReply: 0 }, previous: figures({ received: 0, answered: 0, medianFirstResponseSec: null, p90FirstResponseSec: null, withinTarget: null, due: 0, dueMet: 0 }) }));
    const all = JSON.stringify(msg);
    expect(all).not.toMatch(/NaN|undefined|Infinity|null/);
    expect(all).toContain('nothing came due');
    expect(all).toContain('no replies yet');
    expect(all).toContain('(none before)');
    expect(all).toContain('*Sentiment:* nothing scored');
    expect(all).toContain('*Escalations:* none');
    expect(all).toContain('Busiest hours* (Europe/Berlin): 23:00–00:00 (30)');
  });

  it('usage help escapes what the person typed', () => {
    const msg = statsHelpMessage('I don’t know “<!channel>”');
    expect(msg.text).toContain('&lt;!channel&gt;');
    expect(msg.text).toContain('/social-stats export 30d');
  });
});

describe('homeView', () => {
  const home = (mine: MentionRow[], unclaimed: MentionRow[]) =>
    homeView({
      userId: 'UALICE',
      now: NOW,
      slaPolicy: defaultSlaPolicy,
      triageChannel: 'CTRIAGE01',
      mine,
      mineTotal: mine.length + 7,
      unclaimed,
      unclaimedTotal: unclaimed.length + 30,
      team: { waiting: 50, atRisk: 3, overdue: 9, medianTodaySec: null },
    });

  it('fits in 100 blocks at the caps, with the card’s action ids', () => {
    const mine = Array.from({ length: 15 }, (_, i) => mention(i + 1, { owner_id: 'UALICE', status: 'claimed' }));
    const unclaimed = Array.from({ length: 20 }, (_, i) => mention(100 + i));
    const view = home(mine, unclaimed);
    expect(validateView(view, 'home')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const all = JSON.stringify(view);
    expect(all).toContain('"action_id":"mention_reply"');
    expect(all).toContain('"action_id":"mention_escalate"');
    expect(all).toContain('"action_id":"mention_more"');
    expect(all).toContain('"action_id":"mention_claim"');
    expect(all).toContain('…and 7 more of yours');
    expect(all).toContain('…and 30 more in <#CTRIAGE01>');
    expect(all).toContain('today’s median first response: no replies yet');
  });

  it('escapes customer text and names', () => {
    const all = JSON.stringify(home([], [mention(5)]));
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U0EVIL>');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('Jane &amp; &lt;b&gt;');
  });

  it('a replied mention offers Resolve; an unanswered one No reply needed', () => {
    const replied = mention(1, { owner_id: 'UALICE', status: 'replied', first_response_at: NOW, first_response_by: 'UALICE' });
    const waiting = mention(2, { owner_id: 'UALICE', status: 'claimed' });
    const all = JSON.stringify(home([waiting, replied], []));
    expect(all).toContain('"value":"resolve:1"');
    expect(all).toContain('"value":"no_reply:2"');
    expect(all).toContain('replied, not resolved yet');
    expect(all).toContain('Nothing waiting for an owner');
  });
});
