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
  /** Resolves with `recorded`: the token that made the call (which replica, when each has its own). */
  readonly caller: Promise<string>;
  /** Sends the held answer. */
  release(): void;
  /** Destroys the connection without an answer (a timeout after Slack accepted the call). */
  drop(): void;
}

/** Which calls a hold catches: the call's args and the bearer token that made it. */
export type HoldFilter = (args: Args, token: string) => boolean;

interface Hold {
  when: HoldFilter;
  signal: (args: Args, token: string) => void;
  outcome: Promise<HoldOutcome>;
  settle: (o: HoldOutcome) => void;
}

export class HoldBook {
  private readonly holds = new Map<string, Hold[]>();

  add(method: string, when: HoldFilter = () => true): HeldAnswer {
    let onArgs!: (args: Args) => void;
    let onToken!: (token: string) => void;
    let settle!: (o: HoldOutcome) => void;
    const recorded = new Promise<Args>((r) => (onArgs = r));
    const caller = new Promise<string>((r) => (onToken = r));
    const outcome = new Promise<HoldOutcome>((r) => (settle = r));
    const signal = (args: Args, token: string) => {
      onToken(token);
      onArgs(args);
    };
    const list = this.holds.get(method) ?? [];
    list.push({ when, signal, outcome, settle });
    this.holds.set(method, list);
    return { recorded, caller, release: () => settle('release'), drop: () => settle('drop') };
  }

  /** Holds not yet used up by a call. */
  get pending(): number {
    let n = 0;
    for (const list of this.holds.values()) n += list.length;
    return n;
  }

  /** The hold this call falls under, if any (used up by the call). */
  take(method: string, args: Args, token: string): Hold | undefined {
    const list = this.holds.get(method);
    const i = list?.findIndex((h) => h.when(args, token)) ?? -1;
    if (!list || i < 0) return undefined;
    return list.splice(i, 1)[0];
  }

  /** Drops every pending hold (reset, close). */
  clear(): void {
    for (const list of this.holds.values()) for (const h of list) h.settle('drop');
    this.holds.clear();
  }
}
