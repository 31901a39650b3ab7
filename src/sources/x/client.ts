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
import { TwitterApi } from 'twitter-api-v2';
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
