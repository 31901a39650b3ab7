/**
 * A token bucket: up to `burst` actions at once, then `perMinute` a minute. Each person's state
 * changes (claim, release, …) each queue a card refresh in the shared Slack pace, so one person
 * clicking in a loop must not be able to hold back the cards for new mentions.
 */
export interface PaceRule {
  burst: number;
  perMinute: number;
}

export interface Bucket {
  tokens: number;
  atMs: number;
}

export const STATE_CHANGE_PACE: PaceRule = { burst: 20, perMinute: 30 };

export function takeToken(b: Bucket | undefined, nowMs: number, rule: PaceRule): { ok: boolean; bucket: Bucket; retryInMs: number } {
  const refill = rule.perMinute / 60_000;
  const tokens = Math.min(rule.burst, (b?.tokens ?? rule.burst) + Math.max(0, nowMs - (b?.atMs ?? nowMs)) * refill);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, atMs: nowMs }, retryInMs: 0 };
  return { ok: false, bucket: { tokens, atMs: nowMs }, retryInMs: Math.ceil((1 - tokens) / refill) };
}
