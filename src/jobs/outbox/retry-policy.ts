import type { SlackFailure } from '../../slack/errors.js';

/** What to do with a job whose Slack call failed. */
export type RetryDecision =
  | { action: 'retry'; inMs: number; pauseChannelMs?: number; level: 'info' | 'warn' | 'error'; message: string }
  | { action: 'fail'; message: string };

/**
 * The retry policy: 429s wait for Retry-After (and pause the channel for every replica), failures
 * without an answer or with a transient error back off exponentially, a set-up problem waits long
 * (nothing is dropped: the work goes out once someone fixes it), and only a message Slack can never
 * accept is given up on.
 */
export function decideRetry(c: SlackFailure, attempts: number, posting: boolean): RetryDecision {
  switch (c.kind) {
    case 'rate_limited': {
      const ms = (c.retryAfterSeconds ?? 1) * 1000;
      return { action: 'retry', inMs: ms, ...(posting ? { pauseChannelMs: ms } : {}), level: 'info', message: 'outbox: Slack asked us to slow down; waiting' };
    }
    case 'uncertain':
    case 'transient':
      return { action: 'retry', inMs: backoffMs(attempts), level: 'warn', message: 'outbox: Slack call failed; will retry' };
    case 'configuration':
      return { action: 'retry', inMs: Math.min(10 * 60_000, backoffMs(attempts) * 4), level: 'error', message: 'outbox: Slack refused the call; fix the set-up and the message will follow' };
    case 'permanent':
      return { action: 'fail', message: 'outbox: Slack rejected this message; giving up on it' };
  }
}

export function backoffMs(attempts: number): number {
  const base = Math.min(5 * 60_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
