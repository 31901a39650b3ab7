import { existsSync } from 'node:fs';
import { z } from 'zod';
import { defaultPriorityRules, type PriorityRules } from './domain/priority.js';
import cron from 'node-cron';
import { assertTimeZone, parseBusinessHours, type BusinessHours } from './domain/business-hours.js';
import type { WarnMention } from './domain/reminders.js';
import { parseSlaOverrides, type SlaPolicy } from './domain/sla.js';

/**
 * All configuration comes from the environment (and a `.env` file when present), is validated
 * here once, and is handed to the rest of the program as a typed `Config`. A bad value stops
 * start-up with one message that lists every problem and what to set.
 */

const slackChannelId = /^[CGD][A-Z0-9]{2,}$/;
const slackGroupId = /^S[A-Z0-9]{2,}$/;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const intFrom = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    })
    .describe(name);

const numberFrom = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const urlString = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return v;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an http(s) URL (got "${v}")` });
      return z.NEVER;
    }
  });

const idMatching = (re: RegExp, what: string) =>
  optionalString.refine((v) => v === undefined || re.test(v), {
    message: `must be a ${what}`,
  });

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ message: 'required: the bot token (xoxb-…) from your Slack app’s “OAuth & Permissions” page' })
    .trim()
    .refine((v) => v.startsWith('xoxb-'), { message: 'must be a bot token starting with xoxb-' }),
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message: 'must be an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)',
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_MODE: optionalString.refine((v) => v === undefined || v === 'socket' || v === 'http', {
    message: 'must be "socket" or "http"',
  }),
  SLACK_API_URL: urlString,
  SLACK_TRIAGE_CHANNEL: z
    .string({ message: 'required: the id of the channel where mention cards are posted (e.g. C0123ABCD; channel details → bottom of the About tab)' })
    .trim()
    .refine((v) => slackChannelId.test(v), { message: 'must be a channel id such as C0123ABCD, not a name' }),
  SLACK_ESCALATION_CHANNEL: idMatching(slackChannelId, 'channel id such as C0123ABCD'),
  SLACK_RESPONDERS_GROUP: idMatching(slackGroupId, 'user group id such as S0123ABCD'),
  SLACK_LEADS_GROUP: idMatching(slackGroupId, 'user group id such as S0123ABCD'),
  SLACK_POSTS_PER_SECOND: numberFrom(1, 0.05, 100),
  PORT: intFrom('PORT', 3000, 0, 65535),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// connection string (unset it to use the embedded database)',
  }),
  DATA_DIR: optionalString,
  INGEST_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters (use a long random string, e.g. `openssl rand -hex 32`)',
  }),
  // Webhook sources that get their own metric label; any other source is counted as "other".
  INGEST_SOURCES: optionalString.refine((v) => v === undefined || v.split(',').every((x) => /^[a-z0-9_.-]{1,40}$/i.test(x.trim())), {
    message: 'must be a comma-separated list of source names (letters, digits, _ . -), e.g. "facebook,instagram"',
  }),
  X_BEARER_TOKEN: optionalString,
  X_BRAND_USERNAME: optionalString.transform((v) => v?.replace(/^@/, '')),
  X_SEARCH_QUERY: optionalString.refine((v) => v === undefined || v.length <= 512, {
    message: 'must be at most 512 characters (X’s limit for recent search)',
  }),
  X_POLL_SECONDS: intFrom('X_POLL_SECONDS', 60, 1, 86_400),
  X_API_KEY: optionalString,
  X_API_SECRET: optionalString,
  X_ACCESS_TOKEN: optionalString,
  X_ACCESS_SECRET: optionalString,
  X_API_URL: urlString,
  X_MODE: optionalString.refine((v) => v === undefined || v === 'poll' || v === 'stream', {
    message: 'must be "poll" or "stream" (the filtered stream needs a plan that includes it)',
  }),
  X_INCLUDE_RETWEETS: optionalString.refine((v) => v === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(v.toLowerCase()), {
    message: 'must be true or false',
  }),
  X_MUTED_HANDLES: optionalString,
  X_MUTED_WORDS: optionalString,
  X_BACKFILL_HOURS: intFrom('X_BACKFILL_HOURS', 24, 0, 168),
  PRIORITY_HIGH_FOLLOWERS: intFrom('PRIORITY_HIGH_FOLLOWERS', defaultPriorityRules.highFollowers, 0, 1_000_000_000),
  PRIORITY_LOW_FOLLOWERS: optionalString.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 1_000_000_000), {
    message: 'must be a whole number of followers (or unset for no middle tier)',
  }),
  PRIORITY_NEGATIVE_AT: numberFrom(defaultPriorityRules.negativeAt, -1, 1),
  PRIORITY_STRONG_NEGATIVE_AT: numberFrom(defaultPriorityRules.strongNegativeAt, -1, 1),
  PRIORITY_POSITIVE_AT: numberFrom(defaultPriorityRules.positiveAt, -1, 1),
  PRIORITY_HIGH_AT: intFrom('PRIORITY_HIGH_AT', defaultPriorityRules.highAt, 1, 10),
  SLA_FIRST_RESPONSE_MINUTES: intFrom('SLA_FIRST_RESPONSE_MINUTES', 60, 1, 10_080),
  SLA_WARN_MINUTES: intFrom('SLA_WARN_MINUTES', 45, 0, 10_080),
  SLA_SWEEP_CRON: optionalString,
  SLA_PRIORITY_OVERRIDES: optionalString,
  SLA_BUSINESS_HOURS: optionalString,
  SLA_TIME_ZONE: optionalString,
  SLA_WARN_MENTION: optionalString.refine((v) => v === undefined || ['responders', 'here', 'none'].includes(v), {
    message: 'must be "responders", "here" or "none"',
  }),
  SLA_REPEAT_MINUTES: intFrom('SLA_REPEAT_MINUTES', 30, 1, 10_080),
  SLA_MAX_REPEATS: intFrom('SLA_MAX_REPEATS', 4, 0, 100),
  SLA_RELEASE_ON_BREACH: optionalString.refine((v) => v === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(v.toLowerCase()), {
    message: 'must be true or false',
  }),
  SLA_FOLLOW_UP_HOURS: numberFrom(4, 0, 720),
  STATS_TIME_ZONE: optionalString,
  LOG_LEVEL: optionalString.refine(
    (v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
    { message: 'must be one of fatal, error, warn, info, debug, trace, silent' },
  ),
});

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface XUserCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface Config {
  slack: {
    botToken: string;
    appToken?: string;
    signingSecret?: string;
    mode: 'socket' | 'http';
    apiUrl?: string;
    triageChannel: string;
    escalationChannel: string;
    respondersGroup?: string;
    leadsGroup?: string;
    /** chat.postMessage pace per channel; Slack allows about one a second with short bursts. */
    postsPerSecond: number;
  };
  port: number;
  database: { url?: string; dataDir: string };
  ingest: {
    webhookSecret?: string;
    /** Webhook sources counted under their own metric label (INGEST_SOURCES); the native ones always are. */
    sources: string[];
  };
  x: {
    bearerToken?: string;
    brandUsername?: string;
    searchQuery?: string;
    pollSeconds: number;
    user?: XUserCredentials;
    apiUrl: string;
    /** 'poll' reads the mentions timeline (and search) every pollSeconds; 'stream' uses the filtered stream. */
    mode: 'poll' | 'stream';
    includeRetweets: boolean;
    /** Lower-case handles without @ whose posts are skipped. */
    mutedHandles: string[];
    /** Words or phrases; a post containing one is skipped. */
    mutedWords: string[];
    /** On the very first poll, how far back to read (X bills every post read). */
    backfillHours: number;
  };
  /** Priority thresholds (audience, tone, points), for every source. */
  priority: PriorityRules;
  sla: {
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
  };
  /** /social-stats and the App Home: the zone of "today" and of the busiest hours. */
  stats: { timeZone: string };
  logLevel: LogLevel;
  /** Every secret value, so the logger can scrub them from any line. */
  secrets: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSet these in the environment or in a .env file (see .env.example and the README).`);
    this.name = 'ConfigError';
  }
}

const cronField = /^[\d*/,\-?LW#A-Za-z]+$/;

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      const message = issue.code === 'invalid_type' && env[name] === undefined ? requiredMessage(name, issue.message) : issue.message;
      problems.push(`${name}: ${message}`);
    }
  }
  const e = parsed.success ? parsed.data : undefined;

  // Rules that span variables.
  const mode = (env.SLACK_MODE?.trim() || (env.SLACK_APP_TOKEN?.trim() ? 'socket' : 'http')) as 'socket' | 'http';
  if (mode === 'socket' && !env.SLACK_APP_TOKEN?.trim()) {
    problems.push('SLACK_APP_TOKEN: required in Socket Mode (SLACK_MODE=socket): an app-level token xapp-… with connections:write');
  }
  if (mode === 'http' && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push('SLACK_SIGNING_SECRET: required in HTTP mode (Basic Information → App Credentials → Signing Secret); or set SLACK_APP_TOKEN to use Socket Mode');
  }
  if (env.X_BEARER_TOKEN?.trim() && !env.X_BRAND_USERNAME?.trim()) {
    problems.push('X_BRAND_USERNAME: required when X_BEARER_TOKEN is set: the brand’s handle on X, without @');
  }
  const userCredNames = ['X_API_KEY', 'X_API_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'] as const;
  const userCredsSet = userCredNames.filter((n) => env[n]?.trim());
  if (userCredsSet.length > 0 && userCredsSet.length < userCredNames.length) {
    const missing = userCredNames.filter((n) => !env[n]?.trim());
    problems.push(`${missing.join(', ')}: required together with ${userCredsSet.join(', ')} (all four user-context credentials are needed to reply on X)`);
  }
  if (env.X_MODE?.trim() === 'stream' && !env.X_BEARER_TOKEN?.trim()) {
    problems.push('X_BEARER_TOKEN: required with X_MODE=stream (the filtered stream reads with the app’s bearer token)');
  }
  if (e && e.PRIORITY_LOW_FOLLOWERS !== undefined && Number(e.PRIORITY_LOW_FOLLOWERS) >= e.PRIORITY_HIGH_FOLLOWERS) {
    problems.push(`PRIORITY_LOW_FOLLOWERS: must be less than PRIORITY_HIGH_FOLLOWERS (${e.PRIORITY_LOW_FOLLOWERS} ≥ ${e.PRIORITY_HIGH_FOLLOWERS})`);
  }
  if (e && !(e.PRIORITY_STRONG_NEGATIVE_AT <= e.PRIORITY_NEGATIVE_AT && e.PRIORITY_NEGATIVE_AT < e.PRIORITY_POSITIVE_AT)) {
    problems.push(`PRIORITY_STRONG_NEGATIVE_AT, PRIORITY_NEGATIVE_AT, PRIORITY_POSITIVE_AT: must satisfy strong negative ≤ negative < positive (got ${e.PRIORITY_STRONG_NEGATIVE_AT}, ${e.PRIORITY_NEGATIVE_AT}, ${e.PRIORITY_POSITIVE_AT})`);
  }
  const target = Number(env.SLA_FIRST_RESPONSE_MINUTES?.trim() || 60);
  const warn = Number(env.SLA_WARN_MINUTES?.trim() || 45);
  if (Number.isFinite(target) && Number.isFinite(warn) && warn >= target) {
    problems.push(`SLA_WARN_MINUTES: must be less than SLA_FIRST_RESPONSE_MINUTES (${warn} ≥ ${target})`);
  }
  const sweepCron = env.SLA_SWEEP_CRON?.trim() || '* * * * *';
  const fields = sweepCron.split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => cronField.test(f)) || !cron.validate(sweepCron)) {
    problems.push(`SLA_SWEEP_CRON: must be a cron expression of 5 or 6 fields, e.g. "* * * * *" (got "${sweepCron}")`);
  }
  const sla = slaRules(env, problems);
  const statsTimeZone = statsZone(env, problems);

  if (problems.length > 0 || !e) throw new ConfigError(problems);

  const user =
    e.X_API_KEY && e.X_API_SECRET && e.X_ACCESS_TOKEN && e.X_ACCESS_SECRET
      ? { appKey: e.X_API_KEY, appSecret: e.X_API_SECRET, accessToken: e.X_ACCESS_TOKEN, accessSecret: e.X_ACCESS_SECRET }
      : undefined;

  const secrets = [
    e.SLACK_BOT_TOKEN,
    e.SLACK_APP_TOKEN,
    e.SLACK_SIGNING_SECRET,
    e.INGEST_WEBHOOK_SECRET,
    e.X_BEARER_TOKEN,
    e.X_API_KEY,
    e.X_API_SECRET,
    e.X_ACCESS_TOKEN,
    e.X_ACCESS_SECRET,
    databasePassword(e.DATABASE_URL),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 6);

  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      mode,
      apiUrl: e.SLACK_API_URL,
      triageChannel: e.SLACK_TRIAGE_CHANNEL,
      escalationChannel: e.SLACK_ESCALATION_CHANNEL ?? e.SLACK_TRIAGE_CHANNEL,
      respondersGroup: e.SLACK_RESPONDERS_GROUP,
      leadsGroup: e.SLACK_LEADS_GROUP,
      postsPerSecond: e.SLACK_POSTS_PER_SECOND,
    },
    port: e.PORT,
    database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR ?? './data' },
    ingest: {
      webhookSecret: e.INGEST_WEBHOOK_SECRET,
      sources: (e.INGEST_SOURCES ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean),
    },
    x: {
      bearerToken: e.X_BEARER_TOKEN,
      brandUsername: e.X_BRAND_USERNAME,
      searchQuery: e.X_SEARCH_QUERY,
      pollSeconds: e.X_POLL_SECONDS,
      user,
      apiUrl: (e.X_API_URL ?? 'https://api.x.com').replace(/\/+$/, ''),
      mode: e.X_MODE === 'stream' ? 'stream' : 'poll',
      includeRetweets: ['true', '1', 'yes'].includes((e.X_INCLUDE_RETWEETS ?? '').toLowerCase()),
      mutedHandles: commaList(e.X_MUTED_HANDLES).map((h) => h.replace(/^@/, '').toLowerCase()).filter(Boolean),
      mutedWords: commaList(e.X_MUTED_WORDS),
      backfillHours: e.X_BACKFILL_HOURS,
    },
    priority: {
      highFollowers: e.PRIORITY_HIGH_FOLLOWERS,
      ...(e.PRIORITY_LOW_FOLLOWERS !== undefined ? { lowFollowers: Number(e.PRIORITY_LOW_FOLLOWERS) } : {}),
      negativeAt: e.PRIORITY_NEGATIVE_AT,
      strongNegativeAt: e.PRIORITY_STRONG_NEGATIVE_AT,
      positiveAt: e.PRIORITY_POSITIVE_AT,
      highAt: e.PRIORITY_HIGH_AT,
    },
    sla: {
      firstResponseMinutes: e.SLA_FIRST_RESPONSE_MINUTES,
      warnMinutes: e.SLA_WARN_MINUTES,
      sweepCron,
      ...sla,
      repeatMinutes: e.SLA_REPEAT_MINUTES,
      maxRepeats: e.SLA_MAX_REPEATS,
      releaseOnBreach: ['true', '1', 'yes'].includes((e.SLA_RELEASE_ON_BREACH ?? '').toLowerCase()),
      followUpHours: e.SLA_FOLLOW_UP_HOURS,
    },
    stats: { timeZone: statsTimeZone },
    logLevel: (e.LOG_LEVEL ?? 'info') as LogLevel,
    secrets,
  };
}

function commaList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The SLA variables that need parsing beyond their type; every problem goes into `problems`. */
function slaRules(
  env: Record<string, string | undefined>,
  problems: string[],
): Pick<Config['sla'], 'priorityOverrides' | 'businessHours' | 'timeZone' | 'warnMention'> {
  let priorityOverrides: SlaPolicy['byPriority'] = {};
  try {
    priorityOverrides = parseSlaOverrides(env.SLA_PRIORITY_OVERRIDES?.trim() ?? '');
  } catch (err) {
    problems.push(`SLA_PRIORITY_OVERRIDES: ${(err as Error).message}`);
  }
  let timeZone: string | undefined;
  try {
    timeZone = assertTimeZone(env.SLA_TIME_ZONE?.trim() || 'UTC');
  } catch (err) {
    problems.push(`SLA_TIME_ZONE: ${(err as Error).message}`);
  }
  let businessHours: BusinessHours | null = null;
  const hours = env.SLA_BUSINESS_HOURS?.trim();
  if (hours && timeZone) {
    try {
      businessHours = parseBusinessHours(hours, timeZone);
    } catch (err) {
      problems.push(`SLA_BUSINESS_HOURS: ${(err as Error).message}`);
    }
  }
  const respondersGroup = env.SLACK_RESPONDERS_GROUP?.trim();
  const warnMention = env.SLA_WARN_MENTION?.trim();
  if (warnMention === 'responders' && !respondersGroup) {
    problems.push('SLA_WARN_MENTION: "responders" needs SLACK_RESPONDERS_GROUP (set it, or use "here" or "none")');
  }
  return {
    priorityOverrides,
    businessHours,
    timeZone: timeZone ?? 'UTC',
    warnMention: (warnMention || (respondersGroup ? 'responders' : 'here')) as WarnMention,
  };
}

function requiredMessage(name: string, fallback: string): string {
  return fallback.startsWith('required') ? fallback : `required (${fallback})`;
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = decodeURIComponent(new URL(url).password);
    return p || undefined;
  } catch {
    return undefined;
  }
}

/** Reads `.env` (when present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** STATS_TIME_ZONE, else the team's SLA_TIME_ZONE, else UTC. */
function statsZone(env: Record<string, string | undefined>, problems: string[]): string {
  const name = env.STATS_TIME_ZONE?.trim() ? 'STATS_TIME_ZONE' : 'SLA_TIME_ZONE';
  try {
    return assertTimeZone(env[name]?.trim() || 'UTC');
  } catch (err) {
    // A bad SLA_TIME_ZONE is reported once, by the SLA rules.
    if (name === 'STATS_TIME_ZONE') problems.push(`STATS_TIME_ZONE: ${(err as Error).message}`);
    return 'UTC';
  }
}
