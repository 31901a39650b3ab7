import { describe, it, expect } from 'vitest';
import { defaultPriorityRules, formatFollowers, scorePriority } from '../../src/domain/priority.js';
import type { Sentiment } from '../../src/domain/sentiment.js';

const angry: Sentiment = { score: -0.91, label: 'negative' };
const annoyed: Sentiment = { score: -0.3, label: 'negative' };
const neutral: Sentiment = { score: 0, label: 'neutral' };
const happy: Sentiment = { score: 0.8, label: 'positive' };

describe('scorePriority', () => {
  it('makes an influencer’s first, angry complaint high, and says why', () => {
    expect(scorePriority({ followers: 12_450, firstContact: true, sentiment: angry })).toEqual({
      priority: 'high',
      reasons: ['12.4k followers', 'first contact', 'strongly negative tone'],
    });
  });

  it('makes a large audience with negative tone high even when they wrote before', () => {
    expect(scorePriority({ followers: 48_000, firstContact: false, sentiment: annoyed }).priority).toBe('high');
  });

  it('makes a first-time question from a large account high: unanswered, it turns into a complaint', () => {
    expect(scorePriority({ followers: 25_000, firstContact: true, sentiment: neutral }).priority).toBe('high');
  });

  it('keeps an influencer’s first praise normal', () => {
    expect(scorePriority({ followers: 25_000, firstContact: true, sentiment: happy })).toEqual({
      priority: 'normal',
      reasons: ['25k followers', 'first contact', 'positive tone'],
    });
  });

  it('makes a regular, happy customer low', () => {
    expect(scorePriority({ followers: 310, firstContact: false, sentiment: happy })).toEqual({
      priority: 'low',
      reasons: ['positive tone'],
    });
  });

  it('keeps a regular customer’s neutral question normal', () => {
    expect(scorePriority({ followers: 310, firstContact: false, sentiment: neutral })).toEqual({
      priority: 'normal',
      reasons: [],
    });
  });

  it('makes a small account’s first, furious complaint high; a mildly negative one normal', () => {
    expect(scorePriority({ followers: 180, firstContact: true, sentiment: angry }).priority).toBe('high');
    expect(scorePriority({ followers: 180, firstContact: true, sentiment: annoyed }).priority).toBe('normal');
  });

  it('treats unknown followers as 0', () => {
    const unknown = scorePriority({ followers: null, firstContact: false, sentiment: annoyed });
    expect(unknown).toEqual(scorePriority({ followers: 0, firstContact: false, sentiment: annoyed }));
    expect(unknown).toEqual({ priority: 'normal', reasons: ['negative tone'] });
  });

  it('counts the audience from exactly highFollowers', () => {
    expect(scorePriority({ followers: 9_999, firstContact: false, sentiment: annoyed }).priority).toBe('normal');
    expect(scorePriority({ followers: 10_000, firstContact: false, sentiment: annoyed }).priority).toBe('high');
  });

  it('uses the tone thresholds inclusively', () => {
    const at = (score: number) => scorePriority({ followers: 0, firstContact: false, sentiment: { score, label: 'neutral' } });
    expect(at(-0.05).reasons).toEqual(['negative tone']);
    expect(at(-0.5).reasons).toEqual(['strongly negative tone']);
    expect(at(0.05)).toEqual({ priority: 'low', reasons: ['positive tone'] });
    expect(at(0.04).priority).toBe('normal');
  });

  it('honours custom rules, including the optional middle audience tier', () => {
    const rules = { ...defaultPriorityRules, highFollowers: 50_000, lowFollowers: 2_000 };
    const mid = scorePriority({ followers: 2_500, firstContact: true, sentiment: annoyed }, rules);
    expect(mid).toEqual({ priority: 'high', reasons: ['2.5k followers', 'first contact', 'negative tone'] });
    expect(scorePriority({ followers: 20_000, firstContact: false, sentiment: annoyed }, rules).priority).toBe('normal');
  });
});

describe('formatFollowers', () => {
  it('writes counts the way the card shows them, never rounding up past a threshold', () => {
    expect(formatFollowers(1)).toBe('1 follower');
    expect(formatFollowers(950)).toBe('950 followers');
    expect(formatFollowers(1_000)).toBe('1k followers');
    expect(formatFollowers(9_999)).toBe('9.9k followers');
    expect(formatFollowers(12_400)).toBe('12.4k followers');
    expect(formatFollowers(999_999)).toBe('999.9k followers');
    expect(formatFollowers(1_250_000)).toBe('1.2M followers');
  });
});
