import type { Clock } from '../../src/clock.js';

/**
 * Real time that a test can move forward: the app keeps running on the wall clock (queues, pacing,
 * timers), and a test that used up a rate-limit window jumps past its reset instead of sleeping,
 * so the tests after it start with the window open.
 */
export class SteppingClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
