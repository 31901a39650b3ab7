/** Error bodies as X API v2 sends them. */
import http from 'node:http';
import type { ParamError } from './spec.js';

export interface XErrorReply {
  status: number;
  body: Record<string, unknown>;
}

const PROBLEMS = 'https://api.twitter.com/2/problems';

export function invalidRequest(errors: ParamError[] | { message: string }[]): XErrorReply {
  return {
    status: 400,
    body: {
      errors,
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: `${PROBLEMS}/invalid-request`,
    },
  };
}

export function unauthorized(): XErrorReply {
  return { status: 401, body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' } };
}

export function unsupportedAuthentication(used: 'app' | 'user'): XErrorReply {
  const detail = used === 'app'
    ? 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].'
    : 'Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].';
  return {
    status: 403,
    body: { title: 'Unsupported Authentication', detail, type: `${PROBLEMS}/unsupported-authentication`, status: 403 },
  };
}

export function forbidden(detail: string): XErrorReply {
  return { status: 403, body: { detail, type: 'about:blank', title: 'Forbidden', status: 403 } };
}

export const DUPLICATE_CONTENT = 'You are not allowed to create a Tweet with duplicate content.';
export const REPLY_TARGET_GONE = 'You attempted to reply to a Tweet that is deleted or not visible to you.';
export const DM_REFUSED = 'You cannot send messages to this user.';
export const TEXT_TOO_LONG = 'Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.';

export function tooManyRequests(): XErrorReply {
  return { status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 } };
}

export function tooManyConnections(): XErrorReply {
  return {
    status: 429,
    body: {
      title: 'ConnectionException',
      detail: 'This stream is currently at the maximum allowed connection limit.',
      connection_issue: 'TooManyConnections',
      type: `${PROBLEMS}/streaming-connection`,
    },
  };
}

/** Generic `about:blank` problem for injected faults (500, 503, …). */
export function httpProblem(status: number): XErrorReply {
  if (status === 429) return tooManyRequests();
  if (status === 401) return unauthorized();
  const title = http.STATUS_CODES[status] ?? 'Error';
  return { status, body: { title, detail: title, type: 'about:blank', status } };
}

export function notFoundRoute(): XErrorReply {
  return { status: 404, body: { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] } };
}

/** Inline (HTTP 200) resource-not-found error entry. */
export function resourceNotFound(resourceType: 'user' | 'tweet', parameter: string, value: string, detail: string) {
  return {
    value,
    detail,
    title: 'Not Found Error',
    resource_type: resourceType,
    parameter,
    resource_id: value,
    type: `${PROBLEMS}/resource-not-found`,
  };
}
