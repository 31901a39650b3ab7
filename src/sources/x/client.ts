/**
 * twitter-api-v2 clients for X API v2, pointed at a configurable base URL.
 *
 * twitter-api-v2 1.29 hard-codes `https://api.x.com/2/` (and `upload.x.com`) and sends every
 * request through `https.request`. To reach a fake or a proxy we install a plugin whose
 * `onBeforeRequestConfig` / `onBeforeStreamRequestConfig` hooks rewrite `params.url` (a plain
 * string; the `url` argument the hooks also receive is a throw-away `URL` copy, so changing it
 * has no effect). Those hooks run before the library builds the request, so the OAuth 1.0a
 * signature is computed over the rewritten URL. `https.request` accepts `protocol: 'http:'`
 * only together with an agent whose protocol is `http:`, hence `httpAgent: new http.Agent()`
 * for http targets.
 */
import http from 'node:http';
// Only these names are real named exports of the CommonJS build under Node's ESM loader;
// `TwitterApiReadOnly`/`TwitterApiReadWrite` exist only on the default export, so they are
// imported as types.
import { ApiPartialResponseError, ApiRequestError, ApiResponseError, TwitterApi } from 'twitter-api-v2';
import type { IClientSettings, ITwitterApiClientPlugin, TwitterApiReadOnly } from 'twitter-api-v2';

export const DEFAULT_X_API_URL = 'https://api.x.com';

/** Hosts twitter-api-v2 (or a caller passing a full URL) may target; all are sent to `apiUrl`. */
const X_HOSTS: ReadonlySet<string> = new Set(['api.x.com', 'api.twitter.com', 'upload.x.com', 'upload.twitter.com']);

export interface XUserTokens {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface XClientOptions {
  /** Base URL of X API v2, e.g. 'https://api.x.com' (default) or 'http://127.0.0.1:9001'. No path. */
  apiUrl: string;
  /** App-only bearer token: reads (mentions, search, users, filtered stream and its rules). */
  bearerToken?: string;
  /** OAuth 1.0a user context of the brand account: posting replies and sending DMs. */
  user?: XUserTokens;
}

export interface XClients {
  /** App-only (bearer) client, present when `bearerToken` was given. */
  read?: TwitterApiReadOnly;
  /** OAuth 1.0a user-context client, present when `user` was given. */
  write?: TwitterApi;
}

function parseBaseUrl(apiUrl: string): URL {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw new Error(`Invalid X API base URL: ${apiUrl}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`X API base URL must be http or https: ${apiUrl}`);
  }
  // twitter-api-v2 picks JSON bodies by checking that the path starts with '/2/', so a base
  // URL with a path prefix would silently break POST bodies.
  if (base.pathname !== '/' && base.pathname !== '') {
    throw new Error(`X API base URL must not have a path (got ${base.pathname}): ${apiUrl}`);
  }
  return base;
}

function isDefaultBase(base: URL): boolean {
  return base.protocol === 'https:' && base.host === 'api.x.com';
}

/** Rewrite an X URL (api.x.com, api.twitter.com, upload.*) to `base`, keeping path and query. */
export function rewriteXUrl(url: string, base: URL): string {
  const withProtocol = /^https?:\/\//i.test(url) ? url : `https://${url}`;
  const parsed = new URL(withProtocol);
  if (!X_HOSTS.has(parsed.hostname)) return url;
  return `${base.protocol}//${base.host}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** A twitter-api-v2 plugin sending every X request to `apiUrl` instead of api.x.com. */
export function createBaseUrlPlugin(apiUrl: string): ITwitterApiClientPlugin {
  const base = parseBaseUrl(apiUrl);
  return {
    // Must return nothing: a returned value is taken as a response override.
    onBeforeRequestConfig({ params }) {
      params.url = rewriteXUrl(params.url, base);
    },
    // Called synchronously by sendStream(); the URL is reused for every reconnect.
    onBeforeStreamRequestConfig({ params }) {
      params.url = rewriteXUrl(params.url, base);
    },
  };
}

function clientSettings(apiUrl: string): Partial<IClientSettings> {
  const base = parseBaseUrl(apiUrl);
  if (isDefaultBase(base)) return {};
  const settings: Partial<IClientSettings> = { plugins: [createBaseUrlPlugin(apiUrl)] };
  if (base.protocol === 'http:') settings.httpAgent = new http.Agent({ keepAlive: false });
  return settings;
}

export function createXClients(opts: XClientOptions): XClients {
  const clients: XClients = {};
  if (opts.bearerToken) {
    clients.read = new TwitterApi(opts.bearerToken, clientSettings(opts.apiUrl)).readOnly;
  }
  if (opts.user) {
    clients.write = new TwitterApi(
      {
        appKey: opts.user.appKey,
        appSecret: opts.user.appSecret,
        accessToken: opts.user.accessToken,
        accessSecret: opts.user.accessSecret,
      },
      clientSettings(opts.apiUrl),
    );
  }
  return clients;
}

/**
 * Send a DM to one user. twitter-api-v2 1.29 types `sendDmToParticipant()` as returning
 * `{ dm_conversation_id, dm_event_id }`, but X (and the library, which passes the body through)
 * returns `{ data: { dm_conversation_id, dm_event_id } }`; this unwraps either shape.
 */
export async function sendDirectMessage(
  client: TwitterApi,
  participantId: string,
  text: string,
): Promise<{ dmConversationId: string; dmEventId: string }> {
    // The library puts the id into the URL path as it is; never let it change the path.
  const res = (await client.v2.sendDmToParticipant(encodeURIComponent(participantId), { text })) as unknown as {
    data?: { dm_conversation_id: string; dm_event_id: string };
    dm_conversation_id?: string;
    dm_event_id?: string;
  };
  const data = res.data ?? res;
  if (!data.dm_conversation_id || !data.dm_event_id) throw new Error('X returned no DM event id');
  return { dmConversationId: data.dm_conversation_id, dmEventId: data.dm_event_id };
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type XErrorCode =
  | 'unauthorized'
  | 'unsupported_auth'
  | 'duplicate_content'
  | 'reply_target_gone'
  | 'dm_refused'
  | 'text_too_long'
  | 'forbidden'
  | 'not_found'
  | 'invalid_request'
  | 'too_many_connections'
  | 'rate_limited'
  | 'server_error'
  | 'network'
  | 'unknown';

export interface XErrorDescription {
  /** HTTP status; 0 when no HTTP response was received. */
  status: number;
  code: XErrorCode;
  /** Human text for a Slack user. */
  reason: string;
  /** When the exhausted rate-limit window resets (429 only). */
  rateLimitResetAt?: Date;
  /** Whether trying the same call again later can succeed. */
  retryable: boolean;
}

interface ResponseErrorLike {
  code: number;
  data?: { title?: string; detail?: string; type?: string; errors?: unknown[]; connection_issue?: string } | undefined;
  headers?: Record<string, string | string[] | undefined>;
  rateLimit?: {
    limit: number;
    remaining: number;
    reset: number;
    day?: { limit: number; remaining: number; reset: number };
    userDay?: { limit: number; remaining: number; reset: number };
  };
}

function asResponseError(err: unknown): ResponseErrorLike | undefined {
  if (err instanceof ApiResponseError) return err as unknown as ResponseErrorLike;
  // Duck-typed fallback in case two copies of twitter-api-v2 are loaded.
  if (typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'response'
    && typeof (err as { code?: unknown }).code === 'number') {
    return err as ResponseErrorLike;
  }
  return undefined;
}

function isNetworkError(err: unknown): boolean {
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError) return true;
  if (typeof err === 'object' && err !== null) {
    const type = (err as { type?: unknown }).type;
    if (type === 'request' || type === 'partial-response') return true;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return true;
  }
  return false;
}

function networkCause(err: unknown): string {
  const inner = (err as { requestError?: { code?: unknown; message?: unknown } }).requestError
    ?? (err as { responseError?: { code?: unknown; message?: unknown } }).responseError
    ?? (err as { code?: unknown; message?: unknown });
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.message === 'string') return inner.message;
  return 'connection failed';
}

/** Latest reset among the exhausted windows (15-min window, app 24 h, user 24 h). */
function rateLimitReset(err: ResponseErrorLike): Date | undefined {
  const rl = err.rateLimit;
  const candidates: number[] = [];
  if (rl) {
    if (rl.day && rl.day.remaining === 0) candidates.push(rl.day.reset);
    if (rl.userDay && rl.userDay.remaining === 0) candidates.push(rl.userDay.reset);
    if (candidates.length === 0 || rl.remaining === 0) candidates.push(rl.reset);
  } else {
    const header = err.headers?.['x-rate-limit-reset'];
    const value = Number(Array.isArray(header) ? header[0] : header);
    if (Number.isFinite(value) && value > 0) candidates.push(value);
  }
  const valid = candidates.filter((n) => Number.isFinite(n) && n > 0);
  if (valid.length === 0) return undefined;
  return new Date(Math.max(...valid) * 1000);
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

function detailOf(err: ResponseErrorLike): string {
  const data = err.data;
  const first = Array.isArray(data?.errors) ? (data?.errors[0] as { message?: unknown; detail?: unknown } | undefined) : undefined;
  // 400s carry a generic `detail`; the useful text is the first error's `message`.
  const specific = typeof first?.message === 'string' ? first.message : typeof first?.detail === 'string' ? first.detail : undefined;
  const text = err.code === 400 ? specific ?? data?.detail : data?.detail ?? specific ?? data?.title;
  return typeof text === 'string' ? text : '';
}

/** Turn whatever a twitter-api-v2 call threw into something the bot can act on and show. */
export function describeXError(err: unknown): XErrorDescription {
  const res = asResponseError(err);
  if (!res) {
    if (isNetworkError(err)) {
      return {
        status: 0,
        code: 'network',
        reason: `Could not reach X (${networkCause(err)}); it will be retried`,
        retryable: true,
      };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { status: 0, code: 'unknown', reason: `Unexpected error talking to X: ${message}`, retryable: false };
  }

  const status = res.code;
  const detail = detailOf(res);
  const lower = detail.toLowerCase();

  if (status === 429) {
    const rateLimitResetAt = rateLimitReset(res);
    if (res.data?.connection_issue === 'TooManyConnections') {
      return {
        status,
        code: 'too_many_connections',
        reason: 'Another connection to the X filtered stream is already open for this app',
        ...(rateLimitResetAt ? { rateLimitResetAt } : {}),
        retryable: true,
      };
    }
    return {
      status,
      code: 'rate_limited',
      reason: rateLimitResetAt
        ? `X's rate limit for this action is used up; it resets at ${formatUtc(rateLimitResetAt)}`
        : "X's rate limit for this action is used up; try again later",
      ...(rateLimitResetAt ? { rateLimitResetAt } : {}),
      retryable: true,
    };
  }
  if (status === 401) {
    return {
      status,
      code: 'unauthorized',
      reason: 'X rejected the bot\'s credentials (401 Unauthorized); the X API keys need checking',
      retryable: false,
    };
  }
  if (status === 403) {
    if (lower.includes('duplicate content')) {
      return { status, code: 'duplicate_content', reason: 'X says this is a duplicate of a post already sent', retryable: false };
    }
    if (lower.includes('deleted or not visible')) {
      return {
        status,
        code: 'reply_target_gone',
        reason: 'The post being replied to was deleted or is no longer visible to the brand account',
        retryable: false,
      };
    }
    if (lower.includes('cannot send messages') || lower.includes('direct message')) {
      return { status, code: 'dm_refused', reason: 'This person does not accept direct messages from the brand account', retryable: false };
    }
    if (lower.includes('too long')) {
      return { status, code: 'text_too_long', reason: 'The text is too long for X (280 characters at most)', retryable: false };
    }
    if (res.data?.type?.endsWith('/unsupported-authentication')) {
      return {
        status,
        code: 'unsupported_auth',
        reason: 'The bot used the wrong kind of X credentials for this action (posting needs the brand account\'s user tokens)',
        retryable: false,
      };
    }
    return {
      status,
      code: 'forbidden',
      reason: detail ? `X refused this (403 Forbidden): ${detail}` : 'X refused this (403 Forbidden)',
      retryable: false,
    };
  }
  if (status === 404 || status === 410) {
    return { status, code: 'not_found', reason: 'The post no longer exists on X (deleted or not found)', retryable: false };
  }
  if (status >= 500) {
    return { status, code: 'server_error', reason: `X is having trouble (HTTP ${status}); it will be retried`, retryable: true };
  }
  if (status === 400) {
    return {
      status,
      code: 'invalid_request',
      reason: detail ? `X rejected the request as invalid: ${detail}` : 'X rejected the request as invalid',
      retryable: false,
    };
  }
  return {
    status,
    code: 'unknown',
    reason: detail ? `X answered HTTP ${status}: ${detail}` : `X answered HTTP ${status}`,
    retryable: false,
  };
}
