/** Rate limits (token buckets) and injected faults for the fake Slack. */

export interface Pacing {
  perSecond: number;
  burst: number;
}
export interface MethodLimit {
  perMinute: number;
  /** Bucket size; defaults to perMinute (Slack tiers tolerate short bursts). */
  burst?: number;
}

export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes a token, or answers the whole seconds to wait (min 1) for the next one. */
  take(): { ok: true } | { ok: false; retryAfter: number } {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond)) };
  }
}

export type FaultKind = 'respond' | 'timeout-after-commit' | 'timeout-before-commit';

export interface FaultSpec {
  /** HTTP status: 429 (with Retry-After), 500, 503… Omitted with `error` → HTTP 200 `{ok:false,error}`. */
  status?: number;
  /** Slack error code for an HTTP 200 `{ok:false}` answer. */
  error?: string;
  /** Seconds for Retry-After; implies status 429 when status is omitted. */
  retryAfter?: number;
  /** How many calls the fault applies to (default 1). */
  times?: number;
  /**
   * `timeout-after-commit`: the call takes effect (message stored…) and then the socket is destroyed without an answer,
   * like a timeout after Slack accepted the post. `timeout-before-commit`: the socket is destroyed and nothing happens.
   */
  kind?: FaultKind;
}

export type RandomFaultKind = '429' | '500' | '503' | 'timeout-after-commit';

export interface RandomFaults {
  probability: number;
  kinds: RandomFaultKind[];
  retryAfter?: number;
  seed?: number;
  /** Stop injecting after this many ms (default: until clearFaults). */
  forMs?: number;
}

/** What the pipeline does with a call that drew a fault. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; label: string }
  | { kind: 'error'; error: string; label: string }
  | { kind: 'timeout-after-commit'; label: string }
  | { kind: 'timeout-before-commit'; label: string };

/** Deterministic PRNG (mulberry32) so seeded fault runs repeat exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fromSpec(spec: FaultSpec): Fault {
  const kind = spec.kind ?? 'respond';
  if (kind === 'timeout-after-commit') return { kind, label: kind };
  if (kind === 'timeout-before-commit') return { kind, label: kind };
  const status = spec.status ?? (spec.retryAfter !== undefined ? 429 : spec.error !== undefined ? 200 : 500);
  if (status === 429) return { kind: 'status', status, retryAfter: spec.retryAfter ?? 1, label: '429' };
  if (status === 200) return { kind: 'error', error: spec.error ?? 'fatal_error', label: `error:${spec.error ?? 'fatal_error'}` };
  return { kind: 'status', status, label: String(status) };
}

export class FaultBook {
  private readonly next = new Map<string, { fault: Fault; left: number }[]>();
  private readonly random = new Map<string, { rule: RandomFaults; rng: () => number; until: number }>();

  failNext(method: string, spec: FaultSpec = {}): void {
    const queue = this.next.get(method) ?? [];
    queue.push({ fault: fromSpec(spec), left: Math.max(1, spec.times ?? 1) });
    this.next.set(method, queue);
  }

  failRate(method: string, rule: RandomFaults): void {
    if (rule.kinds.length === 0) throw new Error('failRate: kinds must not be empty');
    const rng = rule.seed !== undefined ? mulberry32(rule.seed) : Math.random;
    this.random.set(method, { rule, rng, until: rule.forMs !== undefined ? performance.now() + rule.forMs : Infinity });
  }

  clear(): void {
    this.next.clear();
    this.random.clear();
  }

  /** The fault this call draws, if any; consumes one use of a failNext entry. `'*'` rules apply to Web API methods only. */
  take(method: string, wildcard = true): Fault | undefined {
    const queue = this.next.get(method);
    if (queue && queue.length > 0) {
      const head = queue[0]!;
      head.left -= 1;
      if (head.left <= 0) queue.shift();
      return head.fault;
    }
    const entry = this.random.get(method) ?? (wildcard ? this.random.get('*') : undefined);
    if (!entry) return undefined;
    if (performance.now() > entry.until) return undefined;
    if (entry.rng() >= entry.rule.probability) return undefined;
    const kind = entry.rule.kinds[Math.floor(entry.rng() * entry.rule.kinds.length)]!;
    switch (kind) {
      case '429':
        return { kind: 'status', status: 429, retryAfter: entry.rule.retryAfter ?? 1, label: '429' };
      case '500':
      case '503':
        return { kind: 'status', status: Number(kind), label: kind };
      case 'timeout-after-commit':
        return { kind, label: kind };
    }
  }
}

/** Opt-in pacing: a token bucket per channel for chat.postMessage, and one per method for workspace-wide limits. */
export class RateLimiter {
  private channelBuckets = new Map<string, TokenBucket>();
  private methodBuckets = new Map<string, TokenBucket>();

  constructor(
    private pacing: Pacing | undefined,
    private methodLimits: Record<string, MethodLimit>,
  ) {}

  configure(limits: { postMessage?: Pacing | null; methodLimits?: Record<string, MethodLimit> }): void {
    if (limits.postMessage !== undefined) {
      this.pacing = limits.postMessage ?? undefined;
      this.channelBuckets.clear();
    }
    if (limits.methodLimits !== undefined) {
      this.methodLimits = limits.methodLimits;
      this.methodBuckets.clear();
    }
  }

  /** Seconds to wait (Retry-After), or undefined when the call may proceed. */
  check(method: string, channel: unknown): number | undefined {
    const limit = this.methodLimits[method];
    if (limit) {
      let bucket = this.methodBuckets.get(method);
      if (!bucket) {
        bucket = new TokenBucket(limit.perMinute / 60, limit.burst ?? limit.perMinute);
        this.methodBuckets.set(method, bucket);
      }
      const r = bucket.take();
      if (!r.ok) return r.retryAfter;
    }
    if (method === 'chat.postMessage' && this.pacing && typeof channel === 'string' && channel !== '') {
      let bucket = this.channelBuckets.get(channel);
      if (!bucket) {
        bucket = new TokenBucket(this.pacing.perSecond, this.pacing.burst);
        this.channelBuckets.set(channel, bucket);
      }
      const r = bucket.take();
      if (!r.ok) return r.retryAfter;
    }
    return undefined;
  }
}
