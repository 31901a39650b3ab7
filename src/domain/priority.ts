import type { Sentiment } from './sentiment.js';

/**
 * "Fear the first-time complainer with a large audience." A mention earns points: +2 for a large
 * audience, +1 for first contact, +1 for negative tone and +1 more when strongly negative, -1 for
 * positive tone; 3 or more is high, below 0 is low, anything else normal.
 */
export type Priority = 'high' | 'normal' | 'low';

export const PRIORITIES = ['high', 'normal', 'low'] as const satisfies readonly Priority[];

export interface PriorityRules {
  /** Followers at or above this are a large audience: +2. */
  highFollowers: number;
  /**
   * Optional middle tier: followers at or above this (and below highFollowers) earn +1.
   * Unset by default, so audience only counts once it is large.
   */
  lowFollowers?: number;
  /** Compound score at or below this is negative tone: +1. */
  negativeAt: number;
  /** Compound score at or below this is strongly negative: +1 more. */
  strongNegativeAt: number;
  /** Compound score at or above this is positive tone: -1. */
  positiveAt: number;
  /** Points at or above this make a mention high priority. */
  highAt: number;
}

export const defaultPriorityRules: PriorityRules = {
  highFollowers: 10_000,
  negativeAt: -0.05,
  strongNegativeAt: -0.5,
  positiveAt: 0.05,
  highAt: 3,
};

export interface PriorityInput {
  /** null when the source does not say; counts as 0. */
  followers: number | null;
  firstContact: boolean;
  sentiment: Sentiment;
}

export interface PriorityResult {
  priority: Priority;
  /** Short phrases for the card, one per point earned or lost: "12.4k followers", "first contact". */
  reasons: string[];
}

export function scorePriority(input: PriorityInput, rules: PriorityRules = defaultPriorityRules): PriorityResult {
  const followers = input.followers !== null && Number.isFinite(input.followers) ? Math.max(0, input.followers) : 0;
  const score = input.sentiment.score;
  const reasons: string[] = [];
  let points = 0;

  if (followers >= rules.highFollowers) {
    points += 2;
    reasons.push(formatFollowers(followers));
  } else if (rules.lowFollowers !== undefined && followers >= rules.lowFollowers) {
    points += 1;
    reasons.push(formatFollowers(followers));
  }
  if (input.firstContact) {
    points += 1;
    reasons.push('first contact');
  }
  if (score <= rules.strongNegativeAt) {
    points += 2;
    reasons.push('strongly negative tone');
  } else if (score <= rules.negativeAt) {
    points += 1;
    reasons.push('negative tone');
  } else if (score >= rules.positiveAt) {
    points -= 1;
    reasons.push('positive tone');
  }

  const priority: Priority = points >= rules.highAt ? 'high' : points < 0 ? 'low' : 'normal';
  return { priority, reasons };
}

/** "950 followers", "12.4k followers", "1.2M followers": truncated, so 9,999 never reads "10k". */
export function formatFollowers(count: number): string {
  const n = Math.max(0, Math.floor(count));
  if (n === 1) return '1 follower';
  if (n < 1_000) return `${n} followers`;
  if (n < 1_000_000) return `${oneDecimal(n / 1_000)}k followers`;
  return `${oneDecimal(n / 1_000_000)}M followers`;
}

function oneDecimal(value: number): string {
  // Rounding the float first keeps 12.4 from reading 12.3 after binary noise, then truncate.
  return String(Math.floor(Math.round(value * 1000) / 100) / 10);
}
