/**
 * What an X API failure means for earshot: twitter-api-v2's response, request and partial-response
 * errors turned into a code, a reason an operator can act on, whether a retry can help, and (for
 * 429) when the window resets.
 */
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';

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
