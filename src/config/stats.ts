import { z } from 'zod';
import { assertTimeZone } from '../domain/business-hours.js';
import { defineArea } from './area.js';
import { parsedBy, text } from './fields.js';
import { DEFAULT_TIME_ZONE } from './sla.js';

export interface StatsConfig {
  /** The zone of "today" and of the busiest hours. */
  timeZone: string;
}

/** The team's zone, when valid; a bad SLA_TIME_ZONE is reported once, by the SLA area. */
function teamZone(v: string | undefined): string {
  try {
    return assertTimeZone(v ?? DEFAULT_TIME_ZONE);
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}

/** /social-stats and the App Home: STATS_TIME_ZONE, else the team's SLA_TIME_ZONE, else UTC. */
export const statsArea = defineArea({
  schema: z
    .object({
      STATS_TIME_ZONE: parsedBy((v) => (v === undefined ? undefined : assertTimeZone(v)), undefined),
      SLA_TIME_ZONE: text,
    })
    .transform((e): { stats: StatsConfig } => ({ stats: { timeZone: e.STATS_TIME_ZONE ?? teamZone(e.SLA_TIME_ZONE) } })),
});
