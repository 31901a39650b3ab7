import type { App } from '@slack/bolt';
import { earshotReceiverOf } from './receiver.js';

/**
 * Work still running. Listeners ack first, so Slack has its answer (and the HTTP request is
 * over) while the listener is still writing to the database or calling Slack; a shutdown waits
 * here for that work before it closes the database.
 */
export class InFlight {
  private running = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.running;
  }

  async track<T>(work: Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work;
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Resolves when nothing is running (at once when nothing is). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Counts every Slack event, action, view and command from arrival until its listeners return. */
export function trackListeners(app: App, inFlight: InFlight): void {
  // HTTP mode: the receiver counts from the moment a request is verified, which also covers a
  // click acked before Bolt's middleware has started on it, and saves a middleware on every event.
  const receiver = earshotReceiverOf(app);
  if (receiver) {
    receiver.trackWith((work) => void inFlight.track(work));
    return;
  }
  // Socket Mode: global middleware, whose `next()` resolves once every listener for the payload has finished.
  app.use(async ({ next }) => {
    await inFlight.track(next());
  });
}
