import { describe, expect, it } from 'vitest';
import { decide, mayEscalate, nextStatus, statusesAllowing } from '../../src/domain/lifecycle.js';

const m = (status: Parameters<typeof nextStatus>[0]['status'], ownerId: string | null = null, hasReply = false) => ({ status, ownerId, hasReply });

describe('mention lifecycle', () => {
  it('follows new → claimed → replied → resolved', () => {
    expect(nextStatus(m('new'), 'claim')).toEqual({ ok: true, to: 'claimed' });
    expect(nextStatus(m('claimed', 'U1'), 'reply')).toEqual({ ok: true, to: 'replied' });
    expect(nextStatus(m('replied', 'U1', true), 'resolve')).toEqual({ ok: true, to: 'resolved' });
  });

  it('escalation keeps the clock running and a replied mention stays replied', () => {
    expect(nextStatus(m('claimed', 'U1'), 'escalate')).toEqual({ ok: true, to: 'escalated' });
    expect(nextStatus(m('replied', 'U1', true), 'escalate')).toEqual({ ok: true, to: 'replied' });
    expect(nextStatus(m('escalated'), 'escalate')).toEqual({ ok: false, reason: 'already_escalated' });
  });

  it('refuses what makes no sense, with a reason', () => {
    expect(nextStatus(m('claimed', 'U1'), 'claim')).toEqual({ ok: false, reason: 'already_claimed' });
    expect(nextStatus(m('new'), 'release')).toEqual({ ok: false, reason: 'not_claimed' });
    expect(nextStatus(m('claimed', 'U1'), 'resolve')).toEqual({ ok: false, reason: 'needs_reply_first' });
    expect(nextStatus(m('replied', 'U1', true), 'close_no_reply')).toEqual({ ok: false, reason: 'already_replied' });
    expect(nextStatus(m('resolved', 'U1', true), 'claim')).toEqual({ ok: false, reason: 'closed' });
    expect(nextStatus(m('closed_no_reply'), 'reply')).toEqual({ ok: false, reason: 'closed' });
  });

  it('release of a claimed mention puts it back to new', () => {
    expect(nextStatus(m('claimed', 'U1'), 'release')).toEqual({ ok: true, to: 'new' });
    expect(nextStatus(m('escalated', 'U1'), 'release')).toEqual({ ok: true, to: 'escalated' });
  });

  it('the storage precondition matches the rules', () => {
    expect(statusesAllowing('close_no_reply')).toEqual(['new', 'claimed', 'escalated']);
    expect(statusesAllowing('resolve')).toEqual(['replied', 'escalated']);
    expect(statusesAllowing('claim')).not.toContain('resolved');
  });
});

describe('decide: the whole rule for one request', () => {
  const f = (status: Parameters<typeof decide>[0]['status'], ownerId: string | null = null, hasReply = false, escalated = false) => ({ status, ownerId, hasReply, escalated });

  it('claim takes ownership; reply gives an unowned mention to whoever replied', () => {
    expect(decide(f('new'), { action: 'claim', actor: 'U1' })).toEqual({ ok: true, to: 'claimed', ownerId: 'U1' });
    expect(decide(f('new'), { action: 'reply', actor: 'U2' })).toEqual({ ok: true, to: 'replied', ownerId: 'U2' });
    expect(decide(f('claimed', 'U1'), { action: 'reply', actor: 'U2' })).toEqual({ ok: true, to: 'replied', ownerId: 'U1' });
  });

  it('releasing an unowned mention is refused, even for a lead', () => {
    expect(decide(f('new'), { action: 'release', actor: 'ULEAD', isLead: true })).toEqual({ ok: false, reason: 'not_claimed' });
    expect(decide(f('escalated'), { action: 'release', actor: 'U1', isLead: false })).toEqual({ ok: false, reason: 'not_claimed' });
  });

  it("someone else's case is released or reassigned by a lead only", () => {
    expect(decide(f('claimed', 'U1'), { action: 'release', actor: 'U2', isLead: false })).toEqual({ ok: false, reason: 'not_owner' });
    expect(decide(f('claimed', 'U1'), { action: 'release', actor: 'ULEAD', isLead: true })).toEqual({ ok: true, to: 'new', ownerId: null });
    expect(decide(f('claimed', 'U1'), { action: 'release', actor: null, isLead: false })).toEqual({ ok: true, to: 'new', ownerId: null });
    expect(decide(f('claimed', 'U1'), { action: 'reassign', actor: 'U2', to: 'U3', isLead: false })).toEqual({ ok: false, reason: 'not_owner' });
    expect(decide(f('claimed', 'U1'), { action: 'reassign', actor: 'U1', to: 'U3', isLead: false })).toEqual({ ok: true, to: 'claimed', ownerId: 'U3' });
  });

  it('reassigning to the current owner is refused', () => {
    expect(decide(f('claimed', 'U1'), { action: 'reassign', actor: 'ULEAD', to: 'U1', isLead: true })).toEqual({ ok: false, reason: 'already_owner' });
  });

  it('a mention is escalated once, also when it was replied to first; Escalate is offered only then', () => {
    expect(decide(f('replied', 'U1', true, true), { action: 'escalate', actor: 'U1' })).toEqual({ ok: false, reason: 'already_escalated' });
    expect(mayEscalate(f('replied', 'U1', true, true))).toBe(false);
    expect(mayEscalate(f('replied', 'U1', true, false))).toBe(true);
    expect(mayEscalate(f('escalated', null, false, true))).toBe(false);
    expect(mayEscalate(f('resolved', 'U1', true, false))).toBe(false);
  });
});
