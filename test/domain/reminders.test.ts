import { describe, expect, it } from 'vitest';
import {
  defaultReminderSettings,
  dueReminder,
  planReminders,
  reminderStillWanted,
  type DueReminder,
  type ReminderFacts,
  type ReminderSettings,
} from '../../src/domain/reminders.js';
import { defaultSlaPolicy, parseBusinessHours, type SlaPolicy } from '../../src/domain/sla.js';

const T0 = new Date('2026-11-24T10:00:00Z'); // a Tuesday
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const settings = defaultReminderSettings;

function fresh(over: Partial<ReminderFacts> = {}): ReminderFacts {
  return {
    postedAt: T0,
    priority: 'normal',
    status: 'new',
    ownerId: null,
    firstResponseAt: null,
    escalatedAt: null,
    slaStage: 0,
    followUps: 0,
    lastFollowUpAt: null,
    ...over,
  };
}

/**
 * Runs the rule like the sweep does: a look half a minute into each of `minutes` (after T0; cron
 * ticks on whole minutes, posts come at any second), keeping the bookkeeping between looks.
 * Returns "minute kind:n" for every reminder.
 */
function sweepAt(minutes: number[], facts = fresh(), policy: SlaPolicy = defaultSlaPolicy, s: ReminderSettings = settings) {
  const sent: string[] = [];
  let f = facts;
  for (const m of minutes) {
    const now = new Date(min(m).getTime() + 30_000);
    const plan = planReminders(f, policy, s, now);
    if (plan.nextCheckAt) expect(plan.nextCheckAt.getTime()).toBeGreaterThan(now.getTime());
    for (const r of plan.reminders) sent.push(`${m} ${r.kind}:${r.n}`);
    f = { ...f, slaStage: plan.slaStage, followUps: plan.followUps, lastFollowUpAt: plan.lastFollowUpAt };
  }
  return { sent, facts: f };
}

const everyMinute = (to: number) => Array.from({ length: to + 1 }, (_, i) => i);

describe('the SLA reminders of a mention nobody answers', () => {
  it('warns at 45, is overdue at 60, repeats at 90, 120, 150 and 180, then stops (4 repeats)', () => {
    expect(sweepAt(everyMinute(400)).sent).toEqual(['45 warning:1', '60 overdue:1', '90 repeat:1', '120 repeat:2', '150 repeat:3', '180 repeat:4']);
  });

  it('warns from exactly the warning time, and is overdue right after the due time (as the card says)', () => {
    const justAfterDue = new Date(min(60).getTime() + 1);
    expect(dueReminder(fresh(), defaultSlaPolicy, settings, new Date(min(45).getTime() - 1))).toBeNull();
    expect(dueReminder(fresh(), defaultSlaPolicy, settings, min(45))).toEqual({ kind: 'warning', n: 1 });
    expect(dueReminder(fresh({ slaStage: 1 }), defaultSlaPolicy, settings, min(60))).toBeNull();
    expect(dueReminder(fresh({ slaStage: 1 }), defaultSlaPolicy, settings, justAfterDue)).toEqual({ kind: 'overdue', n: 1 });
    expect(dueReminder(fresh({ slaStage: 2 }), defaultSlaPolicy, settings, min(90))).toEqual({ kind: 'repeat', n: 1 });
  });

  it('says when to look again: the warning, the deadline, each repeat, then never', () => {
    const next = (f: ReminderFacts, m: number) => planReminders(f, defaultSlaPolicy, settings, min(m)).nextCheckAt;
    expect(next(fresh(), 0)).toEqual(min(45));
    expect(next(fresh({ slaStage: 1 }), 45)).toEqual(new Date(min(60).getTime() + 1));
    expect(next(fresh({ slaStage: 2 }), 60)).toEqual(min(90));
    expect(next(fresh({ slaStage: 5 }), 150)).toEqual(min(180));
    expect(next(fresh({ slaStage: 6 }), 180)).toBeNull();
  });

  it('follows the repeat interval and the maximum from the settings', () => {
    const s = { ...settings, repeatMinutes: 15, maxRepeats: 2 };
    expect(sweepAt(everyMinute(300), fresh(), defaultSlaPolicy, s).sent).toEqual(['45 warning:1', '60 overdue:1', '75 repeat:1', '90 repeat:2']);
    expect(sweepAt(everyMinute(300), fresh(), defaultSlaPolicy, { ...settings, maxRepeats: 0 }).sent).toEqual(['45 warning:1', '60 overdue:1']);
  });

  it('uses the per-priority target (high = 30/20)', () => {
    const policy: SlaPolicy = { ...defaultSlaPolicy, byPriority: { high: { firstResponseMinutes: 30, warnMinutes: 20 } } };
    expect(sweepAt(everyMinute(70), fresh({ priority: 'high' }), policy).sent).toEqual(['20 warning:1', '30 overdue:1', '60 repeat:1']);
  });

  it('asks for a card refresh when the SLA line changes (at risk, overdue, each repeat), not otherwise', () => {
    const refresh = (f: ReminderFacts, m: number) => planReminders(f, defaultSlaPolicy, settings, min(m)).refreshCard;
    expect(refresh(fresh(), 30)).toBe(false);
    expect(refresh(fresh(), 45)).toBe(true);
    expect(refresh(fresh({ slaStage: 1 }), 50)).toBe(false);
    expect(refresh(fresh({ slaStage: 1 }), 61)).toBe(true);
    expect(refresh(fresh({ slaStage: 2 }), 90)).toBe(true);
  });
});

describe('one reminder that fits, never a pile', () => {
  it('a mention first seen 70 minutes after it was posted gets the overdue reminder and no warning', () => {
    expect(sweepAt([70, 71, 89]).sent).toEqual(['70 overdue:1']);
    expect(sweepAt([70, 90, 120]).sent).toEqual(['70 overdue:1', '90 repeat:1', '120 repeat:2']);
  });

  it('a mention first seen at 95 minutes gets the overdue reminder, then the next repeat slot (120)', () => {
    const first = planReminders(fresh(), defaultSlaPolicy, settings, min(95));
    expect(first.reminders).toEqual([{ kind: 'overdue', n: 1 }]);
    expect(first.nextCheckAt).toEqual(min(120));
    expect(sweepAt([95, 100, 120]).sent).toEqual(['95 overdue:1', '120 repeat:2']);
  });

  it('a mention first seen between warning and deadline gets the warning', () => {
    expect(sweepAt([50, 60]).sent).toEqual(['50 warning:1', '60 overdue:1']);
  });

  it('a sweep that was down for an hour sends only the latest repeat', () => {
    expect(sweepAt([45, 60, 155, 160, 180]).sent).toEqual(['45 warning:1', '60 overdue:1', '155 repeat:3', '180 repeat:4']);
  });

  it('a mention first seen after the last repeat still gets its one overdue reminder, then nothing', () => {
    const r = sweepAt([600, 700]);
    expect(r.sent).toEqual(['600 overdue:1']);
    expect(planReminders(r.facts, defaultSlaPolicy, settings, min(700)).nextCheckAt).toBeNull();
  });

  it('asking twice at the same instant gives the reminder once', () => {
    const r = sweepAt([60, 60, 60]);
    expect(r.sent).toEqual(['60 overdue:1']);
  });
});

describe('nothing after a reply or a close', () => {
  it('a reply stops every SLA reminder', () => {
    const replied = fresh({ status: 'replied', ownerId: 'U1', firstResponseAt: min(50), slaStage: 1 });
    for (const m of [60, 90, 120, 180]) expect(planReminders(replied, defaultSlaPolicy, { ...settings, followUpMinutes: 0 }, min(m)).reminders).toEqual([]);
    expect(planReminders(replied, defaultSlaPolicy, { ...settings, followUpMinutes: 0 }, min(60)).nextCheckAt).toBeNull();
  });

  it('a close (no reply needed, spam, resolved) stops everything', () => {
    for (const status of ['closed_no_reply', 'resolved'] as const) {
      const plan = planReminders(fresh({ status, escalatedAt: min(5), firstResponseAt: status === 'resolved' ? min(10) : null }), defaultSlaPolicy, settings, min(600));
      expect(plan.reminders).toEqual([]);
      expect(plan.nextCheckAt).toBeNull();
    }
  });

  it('tells the queue whether a queued reminder is still wanted when it is about to be posted', () => {
    expect(reminderStillWanted('overdue', { status: 'claimed', firstResponseAt: null })).toBe(true);
    expect(reminderStillWanted('overdue', { status: 'replied', firstResponseAt: min(59) })).toBe(false);
    expect(reminderStillWanted('warning', { status: 'closed_no_reply', firstResponseAt: null })).toBe(false);
    expect(reminderStillWanted('follow_up', { status: 'replied', firstResponseAt: min(59) })).toBe(true);
    expect(reminderStillWanted('follow_up', { status: 'resolved', firstResponseAt: min(59) })).toBe(false);
  });
});

describe('follow-ups', () => {
  it('an answered but unresolved mention gets one follow-up 4 h after the reply', () => {
    const replied = fresh({ status: 'replied', ownerId: 'U1', firstResponseAt: min(20), slaStage: 0 });
    expect(planReminders(replied, defaultSlaPolicy, settings, min(21)).nextCheckAt).toEqual(min(260));
    expect(sweepAt(everyMinute(1000), replied).sent).toEqual(['260 follow_up:1']);
  });

  it('an escalated mention gets its follow-up 4 h after the escalation, alongside its SLA reminders', () => {
    const escalated = fresh({ status: 'escalated', ownerId: 'U1', escalatedAt: min(10) });
    expect(sweepAt(everyMinute(400), escalated).sent).toEqual(['45 warning:1', '60 overdue:1', '90 repeat:1', '120 repeat:2', '150 repeat:3', '180 repeat:4', '250 follow_up:1']);
  });

  it('a reply after the follow-up starts a new wait; the next follow-up is numbered on', () => {
    const after = sweepAt(everyMinute(300), fresh({ status: 'escalated', escalatedAt: min(10) })).facts;
    expect(after.followUps).toBe(1);
    const replied = { ...after, status: 'replied' as const, firstResponseAt: min(300) };
    expect(planReminders(replied, defaultSlaPolicy, settings, min(301)).nextCheckAt).toEqual(min(540));
    expect(planReminders(replied, defaultSlaPolicy, settings, min(540)).reminders).toEqual([{ kind: 'follow_up', n: 2 }]);
  });

  it('an SLA reminder and a follow-up due together both go, the SLA one first', () => {
    const s = { ...settings, followUpMinutes: 51 };
    const plan = planReminders(fresh({ status: 'escalated', escalatedAt: min(10) }), defaultSlaPolicy, s, min(61));
    expect(plan.reminders).toEqual<DueReminder[]>([
      { kind: 'overdue', n: 1 },
      { kind: 'follow_up', n: 1 },
    ]);
    expect(dueReminder(fresh({ status: 'escalated', escalatedAt: min(10) }), defaultSlaPolicy, s, min(61))).toEqual({ kind: 'overdue', n: 1 });
  });

  it('SLA_FOLLOW_UP_HOURS=0 turns them off', () => {
    expect(sweepAt(everyMinute(600), fresh({ status: 'replied', firstResponseAt: min(5) }), defaultSlaPolicy, { ...settings, followUpMinutes: 0 }).sent).toEqual([]);
  });
});

describe('release on breach', () => {
  const on = { ...settings, releaseOnBreach: true };
  it('frees a claim whose owner has not replied, at the deadline only', () => {
    const claimed = fresh({ status: 'claimed', ownerId: 'U1' });
    expect(planReminders(claimed, defaultSlaPolicy, on, min(45)).releaseClaim).toBe(false);
    expect(planReminders({ ...claimed, slaStage: 1 }, defaultSlaPolicy, on, min(61)).releaseClaim).toBe(true);
    expect(planReminders({ ...claimed, slaStage: 2 }, defaultSlaPolicy, on, min(90)).releaseClaim).toBe(false);
  });

  it('is off by default, and leaves unclaimed and escalated mentions alone', () => {
    expect(planReminders(fresh({ status: 'claimed', ownerId: 'U1', slaStage: 1 }), defaultSlaPolicy, settings, min(61)).releaseClaim).toBe(false);
    expect(planReminders(fresh({ slaStage: 1 }), defaultSlaPolicy, on, min(61)).releaseClaim).toBe(false);
    expect(planReminders(fresh({ status: 'escalated', ownerId: 'U1', escalatedAt: min(1), slaStage: 1 }), defaultSlaPolicy, on, min(61)).releaseClaim).toBe(false);
  });
});

describe('with business hours', () => {
  const berlin: SlaPolicy = { ...defaultSlaPolicy, businessHours: parseBusinessHours('Mon-Fri 09:00-17:30', 'Europe/Berlin') };
  const plan = (facts: ReminderFacts, now: string) => planReminders(facts, berlin, settings, new Date(now));

  it('sleeps over the weekend: posted Friday 17:00 (Berlin), warned Monday 09:15, overdue 09:30, repeated 10:00', () => {
    const friday = fresh({ postedAt: new Date('2026-11-27T16:00:00Z') }); // 17:00 CET
    const saturday = plan(friday, '2026-11-28T11:00:00Z');
    expect(saturday.reminders).toEqual([]);
    expect(saturday.nextCheckAt).toEqual(new Date('2026-11-30T08:15:00Z'));
    expect(plan({ ...friday, slaStage: 1 }, '2026-11-30T08:15:00Z').nextCheckAt).toEqual(new Date('2026-11-30T08:30:00.001Z'));
    expect(plan({ ...friday, slaStage: 2 }, '2026-11-30T08:30:00Z').nextCheckAt).toEqual(new Date('2026-11-30T09:00:00Z'));
  });

  it('repeats on business time: overdue at 17:20 repeats the next morning at 09:20, not in the night', () => {
    const late = fresh({ postedAt: new Date('2026-11-24T15:20:00Z'), slaStage: 2 }); // Tue 16:20 CET, due 17:20
    expect(plan(late, '2026-11-24T16:20:00Z').nextCheckAt).toEqual(new Date('2026-11-25T08:20:00Z'));
    expect(plan(late, '2026-11-24T23:00:00Z').reminders).toEqual([]);
  });

  it('crosses the spring-forward weekend by the real clock (Berlin, 29 March 2026)', () => {
    const friday = fresh({ postedAt: new Date('2026-03-27T16:00:00Z') }); // Fri 17:00 CET
    // 30 min on Friday, 30 on Monday 09:00 CEST (07:00Z): due 07:30Z, warning 07:15Z.
    expect(plan(friday, '2026-03-28T12:00:00Z').nextCheckAt).toEqual(new Date('2026-03-30T07:15:00Z'));
    expect(plan({ ...friday, slaStage: 1 }, '2026-03-30T07:15:00Z').nextCheckAt).toEqual(new Date('2026-03-30T07:30:00.001Z'));
    expect(plan(friday, '2026-03-30T07:31:00Z').reminders).toEqual([{ kind: 'overdue', n: 1 }]);
  });
});
