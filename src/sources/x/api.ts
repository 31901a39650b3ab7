/**
 * Every read earshot makes from X goes through here: the rate gate is asked first (no call
 * while a window is used up or after a failure's back-off), and every answer is counted.
 */
import type { TwitterApiReadOnly, TwitterRateLimit } from 'twitter-api-v2';
import type { Clock } from '../../clock.js';
import type { Metrics } from '../../metrics.js';
import { describeXError, type XErrorDescription } from './errors.js';
import type { XHealth } from './health.js';
import type { RateGate } from './rate-gate.js';

export type XReadEndpoint = 'user_lookup' | 'mentions' | 'search' | 'own_posts' | 'stream_rules' | 'stream_rules_update' | 'stream';

export type XReadResult<T> =
  | { ok: true; data: T }
  /** Not sent: the endpoint's window is used up or it is backing off. */
  | { ok: false; kind: 'waiting'; until: Date }
  | { ok: false; kind: 'failed'; error: XErrorDescription; until: Date };

export interface XApiDeps {
  client: TwitterApiReadOnly;
  gate: RateGate;
  clock: Clock;
  metrics: Metrics;
  health: XHealth;
  /** Per request, ms (default 30 s). */
  timeoutMs?: number;
}

export class XApi {
  constructor(private readonly deps: XApiDeps) {}

  get client(): TwitterApiReadOnly {
    return this.deps.client;
  }

  /** Whether `endpoint` may be called now; counts a rate-limit wait once per window. */
  waiting(endpoint: XReadEndpoint): Date | undefined {
    const wait = this.deps.gate.wait(endpoint);
    if (!wait) return undefined;
    if (wait.firstReport) this.deps.metrics.xRateLimitWaits.inc({ endpoint });
    return wait.until;
  }

  async call<T>(endpoint: XReadEndpoint, send: (timeout: number) => Promise<{ data: T; rateLimit?: TwitterRateLimit }>): Promise<XReadResult<T>> {
    const { gate, metrics, health, clock } = this.deps;
    const until = this.waiting(endpoint);
    if (until) return { ok: false, kind: 'waiting', until };
    try {
      const res = await send(this.deps.timeoutMs ?? 30_000);
      metrics.xRequests.inc({ endpoint, status: '200' });
      gate.observe(endpoint, res.rateLimit);
      health.read(clock.now());
      return { ok: true, data: res.data };
    } catch (err) {
      const error = describeXError(err);
      metrics.xRequests.inc({ endpoint, status: error.status ? String(error.status) : error.code });
      const retryAt = gate.failure(endpoint, error);
      if (error.status === 429) metrics.xRateLimitWaits.inc({ endpoint });
      health.failed('read', endpoint, error);
      return { ok: false, kind: 'failed', error, until: retryAt };
    }
  }

  get<T>(endpoint: XReadEndpoint, path: string, query: Record<string, unknown>, params?: Record<string, string>): Promise<XReadResult<T>> {
    return this.call<T>(endpoint, (timeout) =>
      this.deps.client.v2.get<T>(path, query as never, { fullResponse: true, timeout, ...(params ? { params } : {}) }),
    );
  }
}
