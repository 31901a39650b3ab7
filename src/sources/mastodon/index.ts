/**
 * The Mastodon source, on when MASTODON_URL and MASTODON_ACCESS_TOKEN are set: mention
 * notifications and the brand's own statuses read on the leader replica every
 * MASTODON_POLL_SECONDS, and the reply sender. A refused token shows in /readyz and the log and
 * stops only this source.
 */
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { LOCK } from '../../db/leader.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { ReplyOut } from '../../services/reply-out.js';
import { SimpleGate } from '../gate.js';
import { SourceHealth } from '../health.js';
import { PolledSource, type PollTuning } from '../polled.js';
import type { IncomingMention } from '../../domain/mention.js';
import { MastodonClient } from './client.js';
import type { MastodonConfig } from './config.js';
import { MastodonPoller, type MastoListOutcome } from './poller.js';
import { mastodonReplySender } from './reply-sender.js';

export class MastodonIntegration {
  readonly replySender?: ReplyOut;
  readonly health: SourceHealth;
  private readonly client?: MastodonClient;
  private readonly logger: Logger;
  private readonly polling: PolledSource;
  private poller?: MastodonPoller;

  constructor(private readonly o: { config: MastodonConfig; logger: Logger; clock: Clock; metrics?: Metrics; tuning?: PollTuning }) {
    this.logger = o.logger.child({ component: 'mastodon' });
    const account = o.config.account;
    this.health = new SourceHealth('Mastodon', account ? `polling ${account.url} every ${o.config.pollSeconds} s` : 'off', this.logger, () => o.clock.now());
    this.polling = new PolledSource({ name: 'Mastodon', lock: LOCK.mastodonPoller, intervalMs: o.config.pollSeconds * 1000, logger: this.logger, stopGraceMs: o.tuning?.stopGraceMs });
    if (!account) return;
    this.client = new MastodonClient({ url: account.url, accessToken: account.accessToken, clock: o.clock, metrics: o.metrics, gate: new SimpleGate(o.clock), health: this.health });
    this.replySender = mastodonReplySender({ client: this.client, logger: this.logger });
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  check(): { ok: boolean; detail: string } {
    return this.enabled ? this.health.check() : { ok: true, detail: 'disabled' };
  }

  start(o: { database: Database; ingest(mentions: IncomingMention[]): Promise<IngestResult> }): void {
    if (!this.client || this.polling.stopped) return;
    const poller = (this.poller = new MastodonPoller({
      db: o.database.db,
      client: this.client,
      clock: this.o.clock,
      logger: this.logger,
      health: this.health,
      ingest: o.ingest,
      pageSize: this.o.tuning?.pageSize,
      ...this.polling.signals,
    }));
    this.logger.info({ instance: this.o.config.account?.url }, 'Mastodon: reading started');
    this.polling.start(o.database, () => poller.pollOnce(), { manual: this.o.tuning?.manual });
  }

  /** One tick now, if this replica gets the lock; undefined when another replica leads. */
  pollNow(): Promise<MastoListOutcome[] | undefined> {
    return this.polling.tick(async () => this.poller?.pollOnce());
  }

  stop(): Promise<void> {
    return this.polling.stop();
  }
}
