import { describe, expect, it } from 'vitest';
import { afterFollowUps, joinCase, type CaseState } from '../../src/domain/cases.js';
import { afterCustomerPost } from '../../src/domain/lifecycle.js';
import { defaultSlaPolicy, nextResponseDeadlines, type SlaPolicy } from '../../src/domain/sla.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const t0 = new Date('2026-03-02T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('joinCase', () => {
  const open = { id: 1, status: 'claimed' as const, closedAt: null };
  const resolved = (closedAgo: number) => ({ id: 2, status: 'resolved' as const, closedAt: at(-closedAgo) });

  it('a reply to an open case joins it, even when the author has another open case', () => {
    expect(joinCase({ postedAt: t0 }, open, { id: 9, status: 'new', closedAt: null }, 7)).toEqual({ kind: 'join', caseId: 1 });
  });
  it('the author\'s open case, when the post replies to nothing known', () => {
    expect(joinCase({ postedAt: t0 }, undefined, open, 7)).toEqual({ kind: 'join', caseId: 1 });
  });
  it('nothing known: a new case', () => {
    expect(joinCase({ postedAt: t0 }, undefined, undefined, 7)).toEqual({ kind: 'new' });
  });
  it('a reply to a case closed less than CASE_REOPEN_DAYS ago reopens it; at or after, a new linked case', () => {
    expect(joinCase({ postedAt: t0 }, resolved(7 * DAY - 1), undefined, 7)).toEqual({ kind: 'reopen', caseId: 2 });
    expect(joinCase({ postedAt: t0 }, resolved(7 * DAY), undefined, 7)).toEqual({ kind: 'new_linked', previousCaseId: 2 });
    expect(joinCase({ postedAt: t0 }, resolved(1), undefined, 0)).toEqual({ kind: 'new_linked', previousCaseId: 2 });
  });
  it('a reply to a closed case while the author has an open one joins the open one', () => {
    expect(joinCase({ postedAt: t0 }, resolved(DAY), open, 7)).toEqual({ kind: 'join', caseId: 1 });
  });
});

describe('afterFollowUps', () => {
  const base: CaseState = { status: 'replied', ownerId: 'UALICE', priority: 'normal', waitingSince: null, firstResponseAt: at(10 * MINUTE), customerPosts: 1, lastCustomerPostAt: t0 };

  it('an answered case waits again from the earliest new post, with the next-response deadline, the owner keeping it', () => {
    const r = afterFollowUps(base, [at(50 * MINUTE), at(30 * MINUTE)], defaultSlaPolicy);
    expect(r).toMatchObject({ status: 'claimed', customerPosts: 3, reopened: false });
    expect(r.lastCustomerPostAt).toEqual(at(50 * MINUTE));
    expect(r.newWait).toEqual({ since: at(30 * MINUTE), warnAt: at(75 * MINUTE), dueAt: at(90 * MINUTE) });
  });
  it('unowned: back to the pool', () => {
    expect(afterFollowUps({ ...base, ownerId: null }, [at(MINUTE)], defaultSlaPolicy).status).toBe('new');
  });
  it('while the first answer is awaited nothing moves', () => {
    const r = afterFollowUps({ ...base, status: 'new', ownerId: null, firstResponseAt: null, waitingSince: t0 }, [at(20 * MINUTE)], defaultSlaPolicy);
    expect(r).toMatchObject({ status: 'new', customerPosts: 2, newWait: null, reopened: false });
  });
  it('a closed case is reopened; never answered (closed without reply), it gets a first-response deadline', () => {
    const r = afterFollowUps({ ...base, status: 'closed_no_reply', ownerId: null, firstResponseAt: null }, [at(DAY)], defaultSlaPolicy);
    expect(r).toMatchObject({ status: 'new', reopened: true });
    expect(r.newWait?.dueAt).toEqual(at(DAY + 60 * MINUTE));
  });
  it('an older post arriving late does not become the latest', () => {
    expect(afterFollowUps({ ...base, lastCustomerPostAt: at(DAY) }, [at(MINUTE)], defaultSlaPolicy).lastCustomerPostAt).toEqual(at(DAY));
  });
});

describe('nextResponseDeadlines', () => {
  it('SLA_NEXT_RESPONSE_MINUTES with the warning at the first-response share (45/60)', () => {
    const policy: SlaPolicy = { ...defaultSlaPolicy, nextResponseMinutes: 20 };
    expect(nextResponseDeadlines(t0, 'normal', policy)).toEqual({ warnAt: at(15 * MINUTE), dueAt: at(20 * MINUTE) });
  });
  it('unset: each priority\'s first-response target', () => {
    const policy: SlaPolicy = { ...defaultSlaPolicy, byPriority: { high: { firstResponseMinutes: 30, warnMinutes: 20 } } };
    expect(nextResponseDeadlines(t0, 'high', policy)).toEqual({ warnAt: at(20 * MINUTE), dueAt: at(30 * MINUTE) });
  });
  it('the warning stays before the deadline for a one-minute target', () => {
    const r = nextResponseDeadlines(t0, 'normal', { ...defaultSlaPolicy, nextResponseMinutes: 1 });
    expect(r.warnAt.getTime()).toBeLessThan(r.dueAt.getTime());
  });
});

describe('afterCustomerPost', () => {
  it('waiting statuses stay; answered and closed ones wait again with their owner or in the pool', () => {
    expect(afterCustomerPost({ status: 'escalated', ownerId: null })).toBe('escalated');
    expect(afterCustomerPost({ status: 'replied', ownerId: 'U1' })).toBe('claimed');
    expect(afterCustomerPost({ status: 'resolved', ownerId: null })).toBe('new');
  });
});
