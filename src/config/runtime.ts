import { z } from 'zod';
import { defineArea } from './area.js';
import { oneOf, wholeNumber } from './fields.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The process itself: the HTTP port and how much it logs. */
export const runtimeArea = defineArea({
  schema: z
    .object({
      PORT: wholeNumber(3000, 0, 65535),
      LOG_LEVEL: oneOf(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
    })
    .transform((e): { port: number; logLevel: LogLevel } => ({ port: e.PORT, logLevel: e.LOG_LEVEL ?? 'info' })),
});
