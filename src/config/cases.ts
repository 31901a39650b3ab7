import { z } from 'zod';
import { defineArea } from './area.js';
import { wholeNumber } from './fields.js';

export interface CasesConfig {
  /** When the customer writes again after an answer; undefined: each priority's first-response target. */
  nextResponseMinutes: number | undefined;
  /** A reply to a case closed less than this long ago reopens it; later, it starts a new case. */
  reopenDays: number;
  /** A case answered by the brand with no customer post for this long is resolved by earshot. */
  idleDays: number;
}

/** Conversations: the next-response clock, reopening, and quiet cases closing themselves. */
export const casesArea = defineArea({
  schema: z
    .object({
      // 0 stands for unset: each priority's first-response target applies.
      SLA_NEXT_RESPONSE_MINUTES: wholeNumber(0, 1, 10_080),
      CASE_REOPEN_DAYS: wholeNumber(7, 0, 3650),
      CASE_IDLE_DAYS: wholeNumber(7, 1, 3650),
    })
    .transform((e): { cases: CasesConfig } => ({
      cases: { nextResponseMinutes: e.SLA_NEXT_RESPONSE_MINUTES || undefined, reopenDays: e.CASE_REOPEN_DAYS, idleDays: e.CASE_IDLE_DAYS },
    })),
});
