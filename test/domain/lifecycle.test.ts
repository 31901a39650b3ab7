import { describe, expect, it } from 'vitest';
import { nextStatus, statusesAllowing } from '../../src/domain/lifecycle.js';

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
