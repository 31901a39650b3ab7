import { existsSync } from 'node:fs';
import { z } from 'zod';

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
  SLA_FIRST_RESPONSE_MINUTES: intFrom('SLA_FIRST_RESPONSE_MINUTES', 60, 1, 10_080),
  SLA_WARN_MINUTES: intFrom('SLA_WARN_MINUTES', 45, 0, 10_080),
  SLA_SWEEP_CRON: optionalString,
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
  ingest: { webhookSecret?: string };
  x: {
    bearerToken?: string;
    brandUsername?: string;
    searchQuery?: string;
    pollSeconds: number;
    user?: XUserCredentials;
    apiUrl: string;
  };
  sla: { firstResponseMinutes: number; warnMinutes: number; sweepCron: string };
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
  const target = Number(env.SLA_FIRST_RESPONSE_MINUTES?.trim() || 60);
  const warn = Number(env.SLA_WARN_MINUTES?.trim() || 45);
  if (Number.isFinite(target) && Number.isFinite(warn) && warn >= target) {
    problems.push(`SLA_WARN_MINUTES: must be less than SLA_FIRST_RESPONSE_MINUTES (${warn} ≥ ${target})`);
  }
  const sweepCron = env.SLA_SWEEP_CRON?.trim() || '* * * * *';
  const fields = sweepCron.split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => cronField.test(f))) {
    problems.push(`SLA_SWEEP_CRON: must be a cron expression of 5 or 6 fields, e.g. "* * * * *" (got "${sweepCron}")`);
  }

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
    ingest: { webhookSecret: e.INGEST_WEBHOOK_SECRET },
    x: {
      bearerToken: e.X_BEARER_TOKEN,
      brandUsername: e.X_BRAND_USERNAME,
      searchQuery: e.X_SEARCH_QUERY,
      pollSeconds: e.X_POLL_SECONDS,
      user,
      apiUrl: (e.X_API_URL ?? 'https://api.x.com').replace(/\/+$/, ''),
    },
    sla: { firstResponseMinutes: e.SLA_FIRST_RESPONSE_MINUTES, warnMinutes: e.SLA_WARN_MINUTES, sweepCron },
    logLevel: (e.LOG_LEVEL ?? 'info') as LogLevel,
    secrets,
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
