/** The fake X's routes, authorization parsing, pagination tokens and reply type. */
import type { XErrorReply } from './errors.js';
import type { XEndpointKey } from './spec.js';

export interface Route {
  key: XEndpointKey;
  method: 'GET' | 'POST';
  pattern: RegExp;
  names: string[];
  auth: 'any' | 'user' | 'app';
}

export const ROUTES: Route[] = [
  { key: 'userByUsername', method: 'GET', pattern: /^\/2\/users\/by\/username\/([^/]+)$/, names: ['username'], auth: 'any' },
  { key: 'me', method: 'GET', pattern: /^\/2\/users\/me$/, names: [], auth: 'user' },
  { key: 'mentions', method: 'GET', pattern: /^\/2\/users\/([^/]+)\/mentions$/, names: ['id'], auth: 'any' },
  { key: 'userTweets', method: 'GET', pattern: /^\/2\/users\/([^/]+)\/tweets$/, names: ['id'], auth: 'any' },
  { key: 'search', method: 'GET', pattern: /^\/2\/tweets\/search\/recent$/, names: [], auth: 'any' },
  { key: 'stream', method: 'GET', pattern: /^\/2\/tweets\/search\/stream$/, names: [], auth: 'app' },
  { key: 'rules', method: 'GET', pattern: /^\/2\/tweets\/search\/stream\/rules$/, names: [], auth: 'app' },
  { key: 'rulesUpdate', method: 'POST', pattern: /^\/2\/tweets\/search\/stream\/rules$/, names: [], auth: 'app' },
  { key: 'tweet', method: 'POST', pattern: /^\/2\/tweets$/, names: [], auth: 'user' },
  { key: 'dm', method: 'POST', pattern: /^\/2\/dm_conversations\/with\/([^/]+)\/messages$/, names: ['participant_id'], auth: 'user' },
];

export interface Reply extends XErrorReply {
  headers?: Record<string, string>;
}

export const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;
const TOKEN_PREFIX = '7140dib';

export function encodeToken(olderThanId: string): string {
  return TOKEN_PREFIX + BigInt(olderThanId).toString(36);
}

export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const digits = token.slice(TOKEN_PREFIX.length);
  if (!/^[0-9a-z]+$/.test(digits)) return undefined;
  let value = 0n;
  for (const ch of digits) value = value * 36n + BigInt(parseInt(ch, 36));
  return value.toString();
}

export type AuthInfo =
  | { kind: 'bearer'; token: string }
  | { kind: 'oauth1'; params: Record<string, string> }
  | { kind: 'none' }
  | { kind: 'invalid' };

export function parseAuthorization(header: string | undefined): AuthInfo {
  if (!header) return { kind: 'none' };
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer?.[1]) return { kind: 'bearer', token: bearer[1] };
  if (/^OAuth\s/i.test(header)) {
    const params: Record<string, string> = {};
    for (const m of header.matchAll(/([a-z_]+)="([^"]*)"/gi)) {
      if (m[1] && m[2] !== undefined) params[m[1]] = decodeURIComponent(m[2]);
    }
    return { kind: 'oauth1', params };
  }
  return { kind: 'invalid' };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
