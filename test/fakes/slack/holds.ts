/**
 * Held answers: a call takes effect in the fake (the message is stored), then its answer waits
 * until the test releases or drops it. `recorded` resolves at exactly the moment between "Slack
 * recorded the post" and "the client got the answer", so a test can kill the caller there.
 */
import type { Args } from './http.js';

export type HoldOutcome = 'release' | 'drop';

export interface HeldAnswer {
  /** Resolves when the call has taken effect and its answer is being held; gives the call's args. */
  readonly recorded: Promise<Args>;
  /** Sends the held answer. */
  release(): void;
  /** Destroys the connection without an answer (a timeout after Slack accepted the call). */
  drop(): void;
}

interface Hold {
  when: (args: Args) => boolean;
  signal: (args: Args) => void;
  outcome: Promise<HoldOutcome>;
  settle: (o: HoldOutcome) => void;
}

export class HoldBook {
  private readonly holds = new Map<string, Hold[]>();

  add(method: string, when: (args: Args) => boolean = () => true): HeldAnswer {
    let signal!: (args: Args) => void;
    let settle!: (o: HoldOutcome) => void;
    const recorded = new Promise<Args>((r) => (signal = r));
    const outcome = new Promise<HoldOutcome>((r) => (settle = r));
    const list = this.holds.get(method) ?? [];
    list.push({ when, signal, outcome, settle });
    this.holds.set(method, list);
    return { recorded, release: () => settle('release'), drop: () => settle('drop') };
  }

  /** The hold this call falls under, if any (used up by the call). */
  take(method: string, args: Args): Hold | undefined {
    const list = this.holds.get(method);
    const i = list?.findIndex((h) => h.when(args)) ?? -1;
    if (!list || i < 0) return undefined;
    return list.splice(i, 1)[0];
  }

  /** Drops every pending hold (reset, close). */
  clear(): void {
    for (const list of this.holds.values()) for (const h of list) h.settle('drop');
    this.holds.clear();
  }
}
