import type { z } from 'zod';
import type { Env } from './fields.js';

/**
 * One area of the configuration (Slack, X, the SLA…): a schema that reads the area's variables
 * from the whole environment (other keys are ignored) and transforms them into the area's slice of
 * `Config`, e.g. `{ slack: {...} }`. Cross-field rules are a `superRefine` on the parsed values.
 */
export interface ConfigArea<Slice extends object> {
  schema: z.ZodType<Slice, Env>;
  /** The slice's secret values, which the logger scrubs from every line. */
  secrets?(slice: Slice): (string | undefined)[];
}

export function defineArea<Slice extends object>(area: ConfigArea<Slice>): ConfigArea<Slice> {
  return area;
}
