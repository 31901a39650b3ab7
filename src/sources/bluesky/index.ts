/**
 * The Bluesky source, on when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set: reading
 * notifications and the brand's feed on the leader replica every BLUESKY_POLL_SECONDS, and the
 * reply sender. Bluesky's trouble shows in /readyz and the log and never stops the other sources.
 */
import type { Clock } from '../../clock.js';
import { isConnectionError, type Database } from '../../db/database.js';
import { LOCK, runAsLeader } from '../../db/leader.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { ReplyOut } from '../../services/reply-out.js';
import type { IncomingMention } from '../../domain/mention.js';
import { BlueskyClient } from './client.js';
import type { BlueskyConfig } from './config.js';
import { SimpleGate } from '../gate.js';
import { SourceHealth } from '../health.js';
import { BlueskyPoller, type ListOutcome } from './poller.js';
import { blueskyReplySender } from './reply-sender.js';


export interface PollTuning {
  /** No timer: ticks run only through pollNow() (tests). */
  manual?: boolean;
  pageSize?: number;
  loginGapMs?: number;
  stopGraceMs?: number;
}

export class BlueskyIntegration {
  readonly replySender?: ReplyOut;
  readonly health: SourceHealth;
  readonly client?: BlueskyClient;
  private readonly logger: Logger;
  private poller?: BlueskyPoller;
  private database?: Database;
  private serial: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private abandoned = false;

  constructor(private readonly o: { config: BlueskyConfig; logger: Logger; clock: Clock; metrics?: Metrics; tuning?: PollTuning }) {
    this.logger = o.logger.child({ component: 'bluesky' });
    const account = o.config.account;
    this.health = new SourceHealth('Bluesky', account ? `polling every ${o.config.pollSeconds} s for @${account.handle}` : 'off', this.logger, () => o.clock.now());
    if (!account) return;
    this.client = new BlueskyClient({ service: o.config.service, handle: account.handle, appPassword: account.appPassword, clock: o.clock, logger: this.logger, health: this.health, metrics: o.metrics, gate: new SimpleGate(o.clock), loginGapMs: o.tuning?.loginGapMs });
    this.replySender = blueskyReplySender({ client: this.client, handle: account.handle, logger: this.logger });
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  check(): { ok: boolean; detail: string } {
    return this.enabled ? this.health.check() : { ok: true, detail: 'disabled' };
  }

  start(o: { database: Database; ingest(mentions: IncomingMention[]): Promise<IngestResult> }): void {
    if (!this.client || this.stopped) return;
    this.database = o.database;
    this.client.useDatabase(o.database.db);
    this.poller = new BlueskyPoller({
      db: o.database.db,
      client: this.client,
      clock: this.o.clock,
      logger: this.logger,
      health: this.health,
      ingest: o.ingest,
      pageSize: this.o.tuning?.pageSize,
      isStopped: () => this.stopped,
      isAbandoned: () => this.abandoned,
    });
    this.logger.info({ service: this.o.config.service }, 'Bluesky: reading started');
    if (!this.o.tuning?.manual) this.loop();
  }

  /** One tick now, if this replica gets the lock; undefined when another replica leads. */
  pollNow(): Promise<ListOutcome[] | undefined> {
    const next = this.serial.then(() => (this.stopped ? undefined : this.tick()));
    this.serial = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    let grace: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (grace = setTimeout(resolve, this.o.tuning?.stopGraceMs ?? 5_000)));
    await Promise.race([this.serial, timeUp]);
    clearTimeout(grace);
    this.abandoned = true;
    await this.client?.flushed();
  }

  private loop(): void {
    if (this.stopped) return;
    const started = Date.now();
    void this.pollNow().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.loop(), Math.max(0, started + this.o.config.pollSeconds * 1000 - Date.now()));
      this.timer.unref();
    });
  }

  private async tick(): Promise<ListOutcome[] | undefined> {
    const database = this.database;
    const poller = this.poller;
    if (!database || !poller) return undefined;
    let out: ListOutcome[] | undefined;
    try {
      await runAsLeader(database, LOCK.blueskyPoller, async () => {
        out = await poller.pollOnce();
      });
    } catch (err) {
      if (isConnectionError(err)) this.logger.warn({ err: (err as Error).message }, 'Bluesky: database unreachable; nothing read was lost, the next tick reads it again');
      else this.logger.error({ err }, 'Bluesky: tick failed; the next tick tries again');
    }
    return out;
  }
}
