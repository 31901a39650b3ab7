import type { Clock } from '../clock.js';
import { isConnectionError, type Database, type Db } from '../db/database.js';
import { runAsLeader } from '../db/leader.js';
import type { IncomingMention } from '../domain/mention.js';
import type { Logger } from '../logger.js';
import type { IngestResult } from '../services/ingest.js';
import type { SourceHealth } from './health.js';

/** What a network's reader (Bluesky, Mastodon) needs besides its client. */
export interface ReaderDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  health: SourceHealth;
  ingest(mentions: IncomingMention[]): Promise<IngestResult>;
  pageSize?: number;
  backfillHours?: number;
  /** Stop reading: no new page is asked for. */
  isStopped(): boolean;
  /** Shut down without waiting: a page that arrives now is dropped unstored (as a crash would). */
  isAbandoned(): boolean;
}

/** How a polled network source runs (tests turn the timer off and shorten the waits). */
export interface PollTuning {
  /** No timer: ticks run only through pollNow() (tests). */
  manual?: boolean;
  pageSize?: number;
  /** Bluesky: the least time between two logins. */
  loginGapMs?: number;
  stopGraceMs?: number;
}

export interface PolledSourceOptions {
  /** The network's name in the log. */
  name: string;
  /** The advisory lock of this source's leader work (`LOCK` in db/leader.ts). */
  lock: number;
  intervalMs: number;
  logger: Logger;
  /** How long stop() waits for a tick in flight (default 5 s). */
  stopGraceMs?: number;
  /** What the log adds when a tick failed because the database was unreachable: what becomes of the page read. */
  whenUnreachable?: string;
}

/**
 * The timer loop of a source that reads on the leader replica: ticks at a fixed rate (the next is
 * due one interval after this one started), one at a time (a tick asked for meanwhile waits for
 * the one running), each under the source's leader lock. A tick that fails is logged and the next
 * one tries again. `stop()` lets a tick in flight finish within the grace period, then abandons
 * it: readers check `stopped` before reading and `abandoned` before storing (a page that arrives
 * after that is dropped unstored, as a crash would drop it; its cursor has not moved).
 */
export class PolledSource {
  private database?: Database;
  private serial: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private gaveUp = false;

  constructor(private readonly o: PolledSourceOptions) {}

  get stopped(): boolean {
    return this.stopping;
  }

  get abandoned(): boolean {
    return this.gaveUp;
  }

  /** `stopped` and `abandoned` as a reader asks for them. */
  readonly signals: Pick<ReaderDeps, 'isStopped' | 'isAbandoned'> = { isStopped: () => this.stopping, isAbandoned: () => this.gaveUp };

  /** Starts the timer, each tick running `work` (no timer when `manual`: ticks run only through `tick()`). */
  start(database: Database, work: (database: Database) => Promise<unknown>, opts: { manual?: boolean } = {}): void {
    this.database = database;
    if (!opts.manual) this.loop(work);
  }

  /** One tick now, after the one in flight: `work`'s result, or undefined when another replica leads, the tick failed or the source stopped. */
  tick<T>(work: (database: Database) => Promise<T>): Promise<T | undefined> {
    const next = this.serial.then(() => (this.stopping ? undefined : this.lead(work)));
    this.serial = next.catch(() => undefined);
    return next;
  }

  /** No new ticks; a tick in flight may finish within the grace period, then it is abandoned. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    let grace: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (grace = setTimeout(resolve, this.o.stopGraceMs ?? 5_000)));
    await Promise.race([this.serial, timeUp]);
    clearTimeout(grace);
    this.gaveUp = true;
  }

  private loop(work: (database: Database) => Promise<unknown>): void {
    if (this.stopping) return;
    const started = Date.now();
    void this.tick(work).finally(() => {
      if (this.stopping) return;
      this.timer = setTimeout(() => this.loop(work), Math.max(0, started + this.o.intervalMs - Date.now()));
      this.timer.unref();
    });
  }

  private async lead<T>(work: (database: Database) => Promise<T>): Promise<T | undefined> {
    const database = this.database;
    if (!database) return undefined;
    let out: T | undefined;
    try {
      await runAsLeader(database, this.o.lock, async () => {
        out = await work(database);
      });
    } catch (err) {
      if (isConnectionError(err)) this.o.logger.warn({ err: (err as Error).message }, `${this.o.name}: database unreachable; ${this.o.whenUnreachable ?? 'nothing read was lost, the next tick reads it again'}`);
      else this.o.logger.error({ err }, `${this.o.name}: tick failed; the next tick tries again`);
    }
    return out;
  }
}
