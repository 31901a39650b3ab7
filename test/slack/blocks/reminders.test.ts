import { describe, expect, it } from 'vitest';
import { reminderMessage, type ReminderAudience, type ReminderMention } from '../../../src/slack/blocks/reminders.js';

const posted = new Date('2026-11-24T10:00:00Z');
const dueAt = new Date('2026-11-24T11:00:00Z');
const min = (m: number) => new Date(posted.getTime() + m * 60_000);

function mention(over: Partial<ReminderMention> = {}): ReminderMention {
  return {
    id: 7,
    source: 'facebook',
    author_handle: 'jane',
    status: 'new',
    owner_id: null,
    escalated_by: null,
    escalated_at: null,
    first_response_at: null,
    posted_at: posted,
    ...over,
  };
}

const responders: ReminderAudience = { warnMention: 'responders', respondersGroup: 'SRESP01', leadsGroup: 'SLEADS01' };

describe('who a reminder pings', () => {
  it('warning: the owner when claimed', () => {
    const { text } = reminderMessage({ kind: 'warning', n: 1 }, mention({ status: 'claimed', owner_id: 'UOWNER' }), { now: min(45), dueAt, audience: responders });
    expect(text).toMatch(/^<@UOWNER> :hourglass_flowing_sand: \*15 min left\* to answer @jane on Facebook \(due <!date\^\d+\^\{time\}\|11:00 UTC>\)\.$/);
    expect(text).not.toContain('subteam');
  });

  it('warning, unclaimed: the responders group, @here, or nobody (SLA_WARN_MENTION)', () => {
    const warn = (audience: ReminderAudience) => reminderMessage({ kind: 'warning', n: 1 }, mention(), { now: min(45), dueAt, audience }).text;
    expect(warn(responders)).toMatch(/^<!subteam\^SRESP01> /);
    expect(warn({ warnMention: 'here' })).toMatch(/^<!here> /);
    expect(warn({ warnMention: 'none', leadsGroup: 'SLEADS01' })).toMatch(/^:hourglass_flowing_sand: /);
    expect(warn(responders)).toContain('Nobody has claimed it yet.');
  });

  it('overdue: the owner and the leads; unclaimed without leads, as the warning', () => {
    const overdue = (m: ReminderMention, audience: ReminderAudience) => reminderMessage({ kind: 'overdue', n: 1 }, m, { now: min(61), dueAt, audience }).text;
    expect(overdue(mention({ status: 'claimed', owner_id: 'UOWNER' }), responders)).toMatch(/^<@UOWNER> <!subteam\^SLEADS01> :rotating_light: \*Overdue:\* @jane on Facebook has waited 61 min/);
    expect(overdue(mention(), responders)).toMatch(/^<!subteam\^SLEADS01> :rotating_light:/);
    expect(overdue(mention(), { warnMention: 'here' })).toMatch(/^<!here> :rotating_light:/);
    expect(overdue(mention(), { warnMention: 'none' })).toMatch(/^:rotating_light:/);
  });

  it('overdue after a released claim names the former owner', () => {
    const { text } = reminderMessage({ kind: 'overdue', n: 1 }, mention(), { now: min(61), dueAt, audience: responders, releasedOwner: 'UOWNER' });
    expect(text).toMatch(/^<@UOWNER> <!subteam\^SLEADS01> /);
    expect(text).toContain('The claim of <@UOWNER> was released so anyone can take it.');
  });

  it('repeat: the owner, else as the warning; the leads heard it at the deadline', () => {
    const repeat = (m: ReminderMention) => reminderMessage({ kind: 'repeat', n: 1 }, m, { now: min(90), dueAt, audience: responders }).text;
    expect(repeat(mention({ status: 'claimed', owner_id: 'UOWNER' }))).toBe('<@UOWNER> :rotating_light: *Still unanswered:* @jane on Facebook has waited 90 min, 30 min past the deadline.');
    expect(repeat(mention())).toMatch(/^<!subteam\^SRESP01> /);
    expect(repeat(mention())).not.toContain('SLEADS01');
  });

  it('follow-up: the owner, else whoever escalated', () => {
    const escalated = mention({ status: 'escalated', escalated_at: min(10), escalated_by: 'UESC' });
    expect(reminderMessage({ kind: 'follow_up', n: 1 }, escalated, { now: min(250), dueAt, audience: responders }).text).toBe(
      '<@UESC> :bell: *Follow-up:* the mention from @jane on Facebook was escalated 4 h ago and is still open; let them know where things stand.',
    );
    const replied = mention({ status: 'replied', owner_id: 'UOWNER', first_response_at: min(20) });
    expect(reminderMessage({ kind: 'follow_up', n: 1 }, replied, { now: min(260), dueAt, audience: responders }).text).toMatch(
      /^<@UOWNER> :bell: .* was answered 4 h ago and is still open; .* or resolve it if it is done\.$/,
    );
  });
});

describe('customer text', () => {
  it('is escaped, so a handle cannot ping anyone or fake a link', () => {
    const { text } = reminderMessage({ kind: 'overdue', n: 1 }, mention({ author_handle: '<!channel>&<@U1>' }), { now: min(61), dueAt, audience: { warnMention: 'none' } });
    expect(text).toContain('@&lt;!channel&gt;&amp;&lt;@U1&gt;');
    expect(text).not.toContain('<!channel>');
  });
});
