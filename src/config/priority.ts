import { z } from 'zod';
import { defaultPriorityRules, type PriorityRules } from '../domain/priority.js';
import { defineArea } from './area.js';
import { allValid, checked, decimal, problem, wholeNumber } from './fields.js';

const d = defaultPriorityRules;

/** Priority thresholds (audience, tone, points), for every source; defaults are the domain's. */
export const priorityArea = defineArea({
  schema: z
    .object({
      PRIORITY_HIGH_FOLLOWERS: wholeNumber(d.highFollowers, 0, 1_000_000_000),
      PRIORITY_LOW_FOLLOWERS: checked((v) => /^\d+$/.test(v) && Number(v) <= 1_000_000_000, 'must be a whole number of followers (or unset for no middle tier)').transform((v) =>
        v === undefined ? undefined : Number(v),
      ),
      PRIORITY_NEGATIVE_AT: decimal(d.negativeAt, -1, 1),
      PRIORITY_STRONG_NEGATIVE_AT: decimal(d.strongNegativeAt, -1, 1),
      PRIORITY_POSITIVE_AT: decimal(d.positiveAt, -1, 1),
      PRIORITY_HIGH_AT: wholeNumber(d.highAt, 1, 10),
    })
    .superRefine((e, ctx) => {
      const low = e.PRIORITY_LOW_FOLLOWERS;
      if (low !== undefined && allValid(ctx, 'PRIORITY_LOW_FOLLOWERS', 'PRIORITY_HIGH_FOLLOWERS') && low >= e.PRIORITY_HIGH_FOLLOWERS) {
        problem(ctx, 'PRIORITY_LOW_FOLLOWERS', `must be less than PRIORITY_HIGH_FOLLOWERS (${low} ≥ ${e.PRIORITY_HIGH_FOLLOWERS})`);
      }
      const tones = ['PRIORITY_STRONG_NEGATIVE_AT', 'PRIORITY_NEGATIVE_AT', 'PRIORITY_POSITIVE_AT'];
      const [strong, negative, positive] = [e.PRIORITY_STRONG_NEGATIVE_AT, e.PRIORITY_NEGATIVE_AT, e.PRIORITY_POSITIVE_AT];
      if (allValid(ctx, ...tones) && !(strong <= negative && negative < positive)) {
        problem(ctx, tones.join(', '), `must satisfy strong negative ≤ negative < positive (got ${strong}, ${negative}, ${positive})`);
      }
    })
    .transform((e): { priority: PriorityRules } => ({
      priority: {
        highFollowers: e.PRIORITY_HIGH_FOLLOWERS,
        ...(e.PRIORITY_LOW_FOLLOWERS !== undefined ? { lowFollowers: e.PRIORITY_LOW_FOLLOWERS } : {}),
        negativeAt: e.PRIORITY_NEGATIVE_AT,
        strongNegativeAt: e.PRIORITY_STRONG_NEGATIVE_AT,
        positiveAt: e.PRIORITY_POSITIVE_AT,
        highAt: e.PRIORITY_HIGH_AT,
      },
    })),
});
