import { existsSync } from 'node:fs';
import type { ConfigArea } from './area.js';
import { blueskyArea } from './bluesky.js';
import { casesArea } from './cases.js';
import { databaseArea } from './database.js';
import type { Env } from './fields.js';
import { ingestArea } from './ingest.js';
import { mastodonArea } from './mastodon.js';
import { priorityArea } from './priority.js';
import { runtimeArea } from './runtime.js';
import { slackArea } from './slack.js';
import { slaArea } from './sla.js';
import { statsArea } from './stats.js';
import { xArea } from './x.js';

/**
 * All configuration comes from the environment (and a `.env` file when present), is validated
 * here once, and is handed to the rest of the program as a typed `Config`. A bad value stops
 * start-up with one message that lists every problem, across all areas, and what to set.
 *
 * Each area is one file that reads its variables into its slice of `Config`, and `Config` is
 * inferred from the list below. A new area (say `cases`) is `src/config/cases.ts` exporting
 * `casesArea = defineArea({ schema, secrets? })`, whose schema is a `z.object` of its variables
 * built from `fields.ts`, a `superRefine` for rules across them, and a `transform` into
 * `{ cases: {...} }`; then one entry in `areas`.
 */
const areas = [slackArea, runtimeArea, databaseArea, ingestArea, xArea, blueskyArea, mastodonArea, priorityArea, slaArea, statsArea, casesArea] as const;

export type { LogLevel } from './runtime.js';
export type { SlackConfig } from './slack.js';
export type { DatabaseConfig } from './database.js';
export type { IngestConfig } from './ingest.js';
export type { XConfig, XUserCredentials } from './x.js';
export type { BlueskyConfig } from './bluesky.js';
export type { MastodonConfig } from './mastodon.js';
export type { SlaConfig } from './sla.js';
export type { StatsConfig } from './stats.js';
export type { CasesConfig } from './cases.js';

type SliceOf<A> = A extends ConfigArea<infer S> ? S : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** What the given areas parse into, plus every secret value so the logger can scrub it from any line. */
export type ConfigOf<A extends readonly ConfigArea<object>[]> = Intersection<SliceOf<A[number]>> & { secrets: string[] };

export type Config = ConfigOf<typeof areas>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSet these in the environment or in a .env file (see .env.example and the README).`);
    this.name = 'ConfigError';
  }
}

/** Parses the given areas; throws a ConfigError listing every problem in all of them. */
export function parseAreas<const A extends readonly ConfigArea<object>[]>(env: Env, list: A): ConfigOf<A> {
  const problems: string[] = [];
  const secrets: string[] = [];
  const config: Record<string, unknown> = {};
  for (const area of list) {
    const parsed = area.schema.safeParse(env);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0] ?? '?')}: ${issue.message}`);
      continue;
    }
    Object.assign(config, parsed.data);
    // Shorter values would scrub ordinary words from the log.
    for (const s of area.secrets?.(parsed.data) ?? []) if (s !== undefined && s.length >= 6) secrets.push(s);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, secrets } as ConfigOf<A>;
}

export function parseConfig(env: Env): Config {
  return parseAreas(env, areas);
}

/** Only the database settings: what `npm run migrate` needs, read exactly as start-up reads them. */
export function parseDatabaseConfig(env: Env): ConfigOf<[typeof databaseArea]> {
  return parseAreas(env, [databaseArea]);
}

/** Reads `.env` (when present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * For the entry points: reads `.env` and the environment with `parse` (the whole configuration by
 * default); on a bad configuration prints every problem and exits with 78 (EX_CONFIG).
 */
export function loadConfig<T = Config>(parse: (env: Env) => T = parseConfig as (env: Env) => T): T {
  loadDotEnv();
  try {
    return parse(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
}
