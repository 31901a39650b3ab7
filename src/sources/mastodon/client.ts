/**
 * The Mastodon REST calls earshot makes, with `fetch`: masto 7.12 runs on Node 20 (8.x wants
 * 22), but it keeps the response headers to itself, and earshot needs X-RateLimit-Remaining/Reset
 * on every answer and the Link header's min_id to page forward from its stored cursor.
 */
import type { Clock } from '../../clock.js';
import type { Metrics } from '../../metrics.js';
import type { SimpleGate } from '../gate.js';
import type { SourceHealth } from '../health.js';

export type MastoResult<T> = { ok: true; data: T; link: { next?: string; prev?: string } } | { ok: false; kind: 'waiting' | 'failed'; until?: Date; status?: number; reason: string };

/** `<url?max_id=1>; rel="next", <url?min_id=9>; rel="prev"` → the ids to page with. */
export function parseLink(header: string | null): { next?: string; prev?: string } {
  const out: { next?: string; prev?: string } = {};
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?(next|prev)"?/.exec(part);
    if (!m) continue;
    const u = new URL(m[1]!);
    const v = m[2] === 'next' ? u.searchParams.get('max_id') : u.searchParams.get('min_id');
    if (v) out[m[2] as 'next' | 'prev'] = v;
  }
  return out;
}

export class MastodonClient {
  constructor(
    private readonly d: { url: string; accessToken: string; clock: Clock; gate: SimpleGate; health: SourceHealth; timeoutMs?: number; metrics?: Metrics },
  ) {}

  get base(): string {
    return this.d.url;
  }

  async request<T>(bucket: 'read' | 'write', method: 'GET' | 'POST', path: string, o: { query?: [string, string][]; body?: unknown; idempotencyKey?: string; auth?: boolean } = {}): Promise<MastoResult<T>> {
    const { gate, health } = this.d;
    const blocked = gate.blockedUntil(bucket);
    if (blocked) return { ok: false, kind: 'waiting', until: blocked, reason: `waiting for Mastodon's rate limit until ${blocked.toISOString()}` };
    const u = new URL(this.d.url + path);
    for (const [k, v] of o.query ?? []) u.searchParams.append(k, v);
    // Ids out of the label, so the metric stays small: /api/v1/accounts/:id/statuses.
    const endpoint = `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    const count = (status: string) => this.d.metrics?.sourceRequests.inc({ source: 'mastodon', endpoint, status });
    let res: Response;
    try {
      res = await fetch(u, {
        method,
        headers: {
          ...(o.auth === false ? {} : { authorization: `Bearer ${this.d.accessToken}` }),
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(this.d.timeoutMs ?? 15_000),
      });
    } catch (err) {
      count('network_error');
      const until = gate.failure(bucket, 'backoff');
      return { ok: false, kind: 'failed', until, reason: `Mastodon unreachable: ${(err as Error).message}` };
    }
    count(String(res.status));
    const remaining = res.headers.get('x-ratelimit-remaining');
    // Mastodon sends the reset as an ISO 8601 time, not seconds.
    const reset = Date.parse(res.headers.get('x-ratelimit-reset') ?? '');
    const resetAt = Number.isNaN(reset) ? undefined : reset;
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (res.ok) {
      gate.observe(bucket, remaining === null ? undefined : Number(remaining), resetAt);
      health.waiting(gate.earliest());
      if (o.auth !== false) health.resolved('auth');
      return { ok: true, data: body as T, link: parseLink(res.headers.get('link')) };
    }
    const error = (body as { error?: unknown } | undefined)?.error;
    const reason = `${res.status}${typeof error === 'string' ? `: ${error}` : ''}`;
    if (res.status === 429) {
      const until = gate.failure(bucket, 'rate_limit', resetAt);
      health.waiting(until);
      return { ok: false, kind: 'waiting', until, status: 429, reason };
    }
    if (res.status === 401 || res.status === 403) {
      health.problem('auth', `Mastodon refused MASTODON_ACCESS_TOKEN (${reason}); create a new access token with the read and write scopes (Preferences → Development) and restart`);
      return { ok: false, kind: 'failed', until: gate.failure(bucket, 'auth'), status: res.status, reason };
    }
    const until = res.status >= 500 ? gate.failure(bucket, 'backoff') : undefined;
    return { ok: false, kind: 'failed', until, status: res.status, reason };
  }
}
