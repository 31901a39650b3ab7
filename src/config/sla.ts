import cron from 'node-cron';
import { z } from 'zod';
import { assertTimeZone, parseBusinessHours, type BusinessHours } from '../domain/business-hours.js';
import type { WarnMention } from '../domain/reminders.js';
import { parseSlaOverrides, type SlaPolicy } from '../domain/sla.js';
import { defineArea } from './area.js';
import { allValid, decimal, flag, oneOf, parsedBy, problem, text, validated, wholeNumber } from './fields.js';

export interface SlaConfig {
  firstResponseMinutes: number;
  warnMinutes: number;
  sweepCron: string;
  /** Per-priority targets (SLA_PRIORITY_OVERRIDES). */
  priorityOverrides: SlaPolicy['byPriority'];
  /** null: round the clock (the default). */
  businessHours: BusinessHours | null;
  /** IANA zone of the business hours and the sweep's schedule. */
  timeZone: string;
  /** Who is pinged at the warning when nobody has claimed the mention. */
  warnMention: WarnMention;
  repeatMinutes: number;
  maxRepeats: number;
  releaseOnBreach: boolean;
  /** 0: no follow-ups. */
  followUpHours: number;
}

/** The team's zone when none is set; the statistics fall back to it too. */
export const DEFAULT_TIME_ZONE = 'UTC';
const DEFAULT_SWEEP_CRON = '* * * * *';

const cronField = /^[\d*/,\-?LW#A-Za-z]+$/;

function cronProblem(expression: string): string | undefined {
  const fields = expression.split(/\s+/);
  const ok = (fields.length === 5 || fields.length === 6) && fields.every((f) => cronField.test(f)) && cron.validate(expression);
  return ok ? undefined : `must be a cron expression of 5 or 6 fields, e.g. "* * * * *" (got "${expression}")`;
}

const schema = z
  .object({
    SLA_FIRST_RESPONSE_MINUTES: wholeNumber(60, 1, 10_080),
    SLA_WARN_MINUTES: wholeNumber(45, 0, 10_080),
    SLA_SWEEP_CRON: validated(cronProblem),
    SLA_PRIORITY_OVERRIDES: parsedBy((v) => parseSlaOverrides(v ?? ''), {}),
    SLA_BUSINESS_HOURS: text,
    SLA_TIME_ZONE: parsedBy((v) => assertTimeZone(v ?? DEFAULT_TIME_ZONE), DEFAULT_TIME_ZONE),
    SLA_WARN_MENTION: oneOf(['responders', 'here', 'none'], 'must be "responders", "here" or "none"'),
    SLA_REPEAT_MINUTES: wholeNumber(30, 1, 10_080),
    SLA_MAX_REPEATS: wholeNumber(4, 0, 100),
    SLA_RELEASE_ON_BREACH: flag,
    SLA_FOLLOW_UP_HOURS: decimal(4, 0, 720),
    // Validated by the Slack area; read here for who the warning pings.
    SLACK_RESPONDERS_GROUP: text,
  })
  .superRefine((e, ctx) => {
    if (allValid(ctx, 'SLA_FIRST_RESPONSE_MINUTES', 'SLA_WARN_MINUTES') && e.SLA_WARN_MINUTES >= e.SLA_FIRST_RESPONSE_MINUTES) {
      problem(ctx, 'SLA_WARN_MINUTES', `must be less than SLA_FIRST_RESPONSE_MINUTES (${e.SLA_WARN_MINUTES} ≥ ${e.SLA_FIRST_RESPONSE_MINUTES})`);
    }
    if (e.SLA_BUSINESS_HOURS && allValid(ctx, 'SLA_TIME_ZONE')) {
      try {
        parseBusinessHours(e.SLA_BUSINESS_HOURS, e.SLA_TIME_ZONE);
      } catch (err) {
        problem(ctx, 'SLA_BUSINESS_HOURS', (err as Error).message);
      }
    }
    if (e.SLA_WARN_MENTION === 'responders' && !e.SLACK_RESPONDERS_GROUP) {
      problem(ctx, 'SLA_WARN_MENTION', '"responders" needs SLACK_RESPONDERS_GROUP (set it, or use "here" or "none")');
    }
  })
  .transform((e): { sla: SlaConfig } => ({
    sla: {
      firstResponseMinutes: e.SLA_FIRST_RESPONSE_MINUTES,
      warnMinutes: e.SLA_WARN_MINUTES,
      sweepCron: e.SLA_SWEEP_CRON ?? DEFAULT_SWEEP_CRON,
      priorityOverrides: e.SLA_PRIORITY_OVERRIDES,
      businessHours: e.SLA_BUSINESS_HOURS ? parseBusinessHours(e.SLA_BUSINESS_HOURS, e.SLA_TIME_ZONE) : null,
      timeZone: e.SLA_TIME_ZONE,
      warnMention: e.SLA_WARN_MENTION ?? (e.SLACK_RESPONDERS_GROUP ? 'responders' : 'here'),
      repeatMinutes: e.SLA_REPEAT_MINUTES,
      maxRepeats: e.SLA_MAX_REPEATS,
      releaseOnBreach: e.SLA_RELEASE_ON_BREACH,
      followUpHours: e.SLA_FOLLOW_UP_HOURS,
    },
  }));

export const slaArea = defineArea({ schema });
