/**
 * The Mastodon source, on when MASTODON_URL and MASTODON_ACCESS_TOKEN are set: mention
 * notifications and the brand's own statuses read on the leader replica every
 * MASTODON_POLL_SECONDS, and the reply sender. A refused token shows in /readyz and the log and
 * stops only this source.
 */
import type { Clock } from '../../clock.js';
import { isConnectionError, type Database } from '../../db/database.js';
import { LOCK, runAsLeader } from '../../db/leader.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { ReplyOut } from '../../services/reply-out.js';
import { SimpleGate } from '../gate.js';
import { SourceHealth } from '../health.js';
import type { PollTuning } from '../bluesky/index.js';
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
  private poller?: MastodonPoller;
  private database?: Database;
  private serial: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private abandoned = false;

  constructor(private readonly o: { config: MastodonConfig; logger: Logger; clock: Clock; metrics?: Metrics; tuning?: PollTuning }) {
    this.logger = o.logger.child({ component: 'mastodon' });
    const account = o.config.account;
    this.health = new SourceHealth('Mastodon', account ? `polling ${account.url} every ${o.config.pollSeconds} s` : 'off', this.logger, () => o.clock.now());
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
    if (!this.client || this.stopped) return;
    this.database = o.database;
    this.poller = new MastodonPoller({
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
    this.logger.info({ instance: this.o.config.account?.url }, 'Mastodon: reading started');
    if (!this.o.tuning?.manual) this.loop();
  }

  pollNow(): Promise<MastoListOutcome[] | undefined> {
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

  private async tick(): Promise<MastoListOutcome[] | undefined> {
    const database = this.database;
    const poller = this.poller;
    if (!database || !poller) return undefined;
    let out: MastoListOutcome[] | undefined;
    try {
      await runAsLeader(database, LOCK.mastodonPoller, async () => {
        out = await poller.pollOnce();
      });
    } catch (err) {
      if (isConnectionError(err)) this.logger.warn({ err: (err as Error).message }, 'Mastodon: database unreachable; nothing read was lost, the next tick reads it again');
      else this.logger.error({ err }, 'Mastodon: tick failed; the next tick tries again');
    }
    return out;
  }
}
