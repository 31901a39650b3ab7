import { z } from 'zod';
import { defineArea } from './area.js';
import { allValid, checked, commaList, flag, oneOf, problem, text, validated, wholeNumber } from './fields.js';

export interface XUserCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface XConfig {
  bearerToken?: string;
  brandUsername?: string;
  searchQuery?: string;
  pollSeconds: number;
  user?: XUserCredentials;
  /** Base URL of X API v2 without a trailing slash or path. */
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
}

/**
 * twitter-api-v2 picks JSON bodies by checking that the request path starts with '/2/', so a base
 * URL with a path prefix would silently break POST bodies: only scheme, host and port are allowed.
 */
function xBaseUrlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v.replace(/\/+$/, ''));
  } catch {
    return `must be an http(s) URL (got "${v}")`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http(s) URL (got "${v}")`;
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    return `must be scheme, host and port only, without a path or query, e.g. http://127.0.0.1:9001 (got "${v}")`;
  }
  return undefined;
}

const userCredentialNames = ['X_API_KEY', 'X_API_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'] as const;

const schema = z
  .object({
    X_BEARER_TOKEN: text,
    X_BRAND_USERNAME: text.transform((v) => v?.replace(/^@/, '')),
    X_SEARCH_QUERY: checked((v) => v.length <= 512, 'must be at most 512 characters (X’s limit for recent search)'),
    X_POLL_SECONDS: wholeNumber(60, 1, 86_400),
    X_API_KEY: text,
    X_API_SECRET: text,
    X_ACCESS_TOKEN: text,
    X_ACCESS_SECRET: text,
    X_API_URL: validated(xBaseUrlProblem),
    X_MODE: oneOf(['poll', 'stream'], 'must be "poll" or "stream" (the filtered stream needs a plan that includes it)'),
    X_INCLUDE_RETWEETS: flag,
    X_MUTED_HANDLES: commaList,
    X_MUTED_WORDS: commaList,
    X_BACKFILL_HOURS: wholeNumber(24, 0, 168),
  })
  .superRefine((e, ctx) => {
    if (e.X_BEARER_TOKEN && !e.X_BRAND_USERNAME) {
      problem(ctx, 'X_BRAND_USERNAME', 'required when X_BEARER_TOKEN is set: the brand’s handle on X, without @');
    }
    const set = userCredentialNames.filter((n) => e[n]);
    if (set.length > 0 && set.length < userCredentialNames.length) {
      const missing = userCredentialNames.filter((n) => !e[n]);
      problem(ctx, missing.join(', '), `required together with ${set.join(', ')} (all four user-context credentials are needed to reply on X)`);
    }
    if (allValid(ctx, 'X_MODE') && e.X_MODE === 'stream' && !e.X_BEARER_TOKEN) {
      problem(ctx, 'X_BEARER_TOKEN', 'required with X_MODE=stream (the filtered stream reads with the app’s bearer token)');
    }
  })
  .transform((e): { x: XConfig } => ({
    x: {
      bearerToken: e.X_BEARER_TOKEN,
      brandUsername: e.X_BRAND_USERNAME,
      searchQuery: e.X_SEARCH_QUERY,
      pollSeconds: e.X_POLL_SECONDS,
      user:
        e.X_API_KEY && e.X_API_SECRET && e.X_ACCESS_TOKEN && e.X_ACCESS_SECRET
          ? { appKey: e.X_API_KEY, appSecret: e.X_API_SECRET, accessToken: e.X_ACCESS_TOKEN, accessSecret: e.X_ACCESS_SECRET }
          : undefined,
      apiUrl: (e.X_API_URL ?? 'https://api.x.com').replace(/\/+$/, ''),
      mode: e.X_MODE ?? 'poll',
      includeRetweets: e.X_INCLUDE_RETWEETS,
      mutedHandles: e.X_MUTED_HANDLES.map((h) => h.replace(/^@/, '').toLowerCase()).filter(Boolean),
      mutedWords: e.X_MUTED_WORDS,
      backfillHours: e.X_BACKFILL_HOURS,
    },
  }));

export const xArea = defineArea({
  schema,
  secrets: ({ x }) => [x.bearerToken, x.user?.appKey, x.user?.appSecret, x.user?.accessToken, x.user?.accessSecret],
});
