/**
 * The Bluesky source, on when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set: reading
 * notifications and the brand's feed on the leader replica every BLUESKY_POLL_SECONDS, and the
 * reply sender. Bluesky's trouble shows in /readyz and the log and never stops the other sources.
 */
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { LOCK } from '../../db/leader.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { ReplyOut } from '../../services/reply-out.js';
import type { IncomingMention } from '../../domain/mention.js';
import { BlueskyClient } from './client.js';
import type { BlueskyConfig } from './config.js';
import { SimpleGate } from '../gate.js';
import { SourceHealth } from '../health.js';
import { PolledSource, type PollTuning } from '../polled.js';
import { BlueskyPoller, type ListOutcome } from './poller.js';
import { blueskyReplySender } from './reply-sender.js';

export type { PollTuning } from '../polled.js';

export class BlueskyIntegration {
  readonly replySender?: ReplyOut;
  readonly health: SourceHealth;
  readonly client?: BlueskyClient;
  private readonly logger: Logger;
  private readonly polling: PolledSource;
  private poller?: BlueskyPoller;

  constructor(private readonly o: { config: BlueskyConfig; logger: Logger; clock: Clock; metrics?: Metrics; tuning?: PollTuning }) {
    this.logger = o.logger.child({ component: 'bluesky' });
    const account = o.config.account;
    this.health = new SourceHealth('Bluesky', account ? `polling every ${o.config.pollSeconds} s for @${account.handle}` : 'off', this.logger, () => o.clock.now());
    this.polling = new PolledSource({ name: 'Bluesky', lock: LOCK.blueskyPoller, intervalMs: o.config.pollSeconds * 1000, logger: this.logger, stopGraceMs: o.tuning?.stopGraceMs });
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
    if (!this.client || this.polling.stopped) return;
    this.client.useDatabase(o.database.db);
    const poller = (this.poller = new BlueskyPoller({
      db: o.database.db,
      client: this.client,
      clock: this.o.clock,
      logger: this.logger,
      health: this.health,
      ingest: o.ingest,
      pageSize: this.o.tuning?.pageSize,
      ...this.polling.signals,
    }));
    this.logger.info({ service: this.o.config.service }, 'Bluesky: reading started');
    this.polling.start(o.database, () => poller.pollOnce(), { manual: this.o.tuning?.manual });
  }

  /** One tick now, if this replica gets the lock; undefined when another replica leads. */
  pollNow(): Promise<ListOutcome[] | undefined> {
    return this.polling.tick(async () => this.poller?.pollOnce());
  }

  async stop(): Promise<void> {
    await this.polling.stop();
    await this.client?.flushed();
  }
}
