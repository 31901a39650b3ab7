/**
 * The X source, started and stopped from the config: the reply sender (user credentials), and
 * reading (bearer token) by polling or by the filtered stream. Reading is leader work: one
 * replica at a time holds LOCK.xPoller (per poll tick; for the stream's lifetime in stream mode).
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/database.js';
import { LOCK } from '../../db/leader.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { ReplyOut } from '../../services/reply-out.js';
import type { IncomingMention } from '../../domain/mention.js';
import { XApi } from './api.js';
import { createXClients, type XClients } from './client.js';
import type { XErrorDescription } from './errors.js';
import { XHealth } from './health.js';
import { XPoller, type PollOutcome } from './poller.js';
import { DEFAULT_GATE_TUNING, RateGate, type GateTuning } from './rate-gate.js';
import { xReplySender } from './reply-sender.js';
import { readState, writeState } from '../../db/app-state.js';
import { XStream } from './stream.js';
import { PolledSource } from '../polled.js';

const GATE_STATE_KEY = 'x:rate-limits';

export interface XTuning {
  /** No timer: ticks run only through pollNow() (tests). */
  manual?: boolean;
  /** max_results per page. */
  pageSize?: number;
  gate?: Partial<GateTuning>;
  requestTimeoutMs?: number;
  reconnectDelayMs?: (attempt: number, error: XErrorDescription | undefined) => number;
  /**
   * How long stop() waits for a read in flight to be stored (default 5 s). After that it gives up
   * on it as a crash would: the page is dropped and read again by the next run.
   */
  stopGraceMs?: number;
}

export interface XIntegrationOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  tuning?: XTuning;
}

export class XIntegration {
  /** Posts replies and DMs as the brand; absent without user credentials. */
  readonly replySender?: ReplyOut;
  readonly health: XHealth;
  private readonly clients: XClients;
  private readonly gate: RateGate;
  private readonly logger: Logger;
  private readonly polling: PolledSource;
  private poller?: XPoller;
  private stream?: XStream;

  constructor(private readonly o: XIntegrationOptions) {
    const x = o.config.x;
    this.logger = o.logger.child({ component: 'x' });
    this.clients = createXClients({ apiUrl: x.apiUrl, bearerToken: x.bearerToken, user: x.user });
    const reading = this.clients.read
      ? `${x.mode === 'stream' ? 'filtered stream' : `polling every ${x.pollSeconds} s`} for @${x.brandUsername ?? '?'}`
      : 'reading off (no X_BEARER_TOKEN)';
    const writing = this.clients.write ? 'replies post to X' : 'replies recorded (no X user credentials)';
    this.health = new XHealth(`${reading}; ${writing}`, this.logger, () => o.clock.now());
    this.gate = new RateGate(o.clock, { ...DEFAULT_GATE_TUNING, ...o.tuning?.gate });
    this.polling = new PolledSource({
      name: 'X',
      lock: LOCK.xPoller,
      intervalMs: x.pollSeconds * 1000,
      logger: this.logger,
      stopGraceMs: o.tuning?.stopGraceMs,
      whenUnreachable: 'nothing read was lost: the next tick stores the page already read (or reads it again if another replica moved on)',
    });
    if (this.clients.write) {
      this.replySender = xReplySender({
        client: this.clients.write,
        brandUsername: x.brandUsername,
        logger: this.logger,
        metrics: o.metrics,
        health: this.health,
        gate: new RateGate(o.clock, { ...DEFAULT_GATE_TUNING, ...o.tuning?.gate }),
      });
    }
  }

  get enabled(): boolean {
    return Boolean(this.clients.read || this.clients.write);
  }

  get reading(): boolean {
    return Boolean(this.clients.read && this.o.config.x.brandUsername);
  }

  /** For /readyz (not required: X trouble never takes the bot down). */
  check(): { ok: boolean; detail: string } {
    return this.enabled ? this.health.check() : { ok: true, detail: 'disabled' };
  }

  /** Starts reading from X (when a bearer token is configured). */
  start(o: { database: Database; ingest(mentions: IncomingMention[]): Promise<IngestResult> }): void {
    const { config, clock, metrics, tuning } = this.o;
    const read = this.clients.read;
    const brandUsername = config.x.brandUsername;
    if (!read || !brandUsername || this.polling.stopped) return;
    const api = new XApi({ client: read, gate: this.gate, clock, metrics, health: this.health, timeoutMs: tuning?.requestTimeoutMs });
    const poller = new XPoller({
      db: o.database.db,
      api,
      clock,
      logger: this.logger,
      metrics,
      health: this.health,
      ingest: o.ingest,
      brandUsername,
      searchQuery: config.x.searchQuery,
      includeRetweets: config.x.includeRetweets,
      mutedHandles: config.x.mutedHandles,
      mutedWords: config.x.mutedWords,
      backfillHours: config.x.backfillHours,
      pageSize: tuning?.pageSize,
      isStopped: () => this.polling.stopped,
      isAbandoned: () => this.polling.abandoned,
    });
    this.poller = poller;
    if (config.x.mode === 'stream') {
      this.stream = new XStream({
        client: read,
        api,
        poller,
        clock,
        logger: this.logger,
        metrics,
        health: this.health,
        ingest: o.ingest,
        includeRetweets: config.x.includeRetweets,
        retryGapMs: config.x.pollSeconds * 1000,
        isAbandoned: () => this.polling.abandoned,
        reconnectDelayMs: tuning?.reconnectDelayMs,
      });
    }
    this.logger.info({ mode: config.x.mode, brand: brandUsername, search: Boolean(config.x.searchQuery) }, 'X: reading started');
    // Stream mode: the replica that gets the lock keeps it while the stream runs. The rate-limit
    // state travels with the lock via the database.
    const stream = this.stream;
    const tick = stream ? () => stream.run() : () => poller.pollOnce();
    this.polling.start(o.database, (database) => this.withSharedGate<unknown>(database, tick), { manual: tuning?.manual });
  }

  /**
   * Poll mode: one tick now (if this replica gets the lock). Stream mode: a gap poll on the
   * replica holding the stream. Resolves with what was read, or undefined when another replica leads.
   */
  pollNow(): Promise<PollOutcome | undefined> {
    if (this.stream) return this.stream.isConnected ? this.stream.pollNow() : Promise.resolve(undefined);
    const poller = this.poller;
    if (!poller) return Promise.resolve(undefined);
    return this.polling.tick((database) => this.withSharedGate(database, () => poller.pollOnce()));
  }

  /** No new reads; a read in flight is stored if it lands within the grace period, else dropped. */
  async stop(): Promise<void> {
    this.stream?.stop();
    await this.polling.stop();
  }

  private async withSharedGate<T>(database: Database, fn: () => Promise<T>): Promise<T> {
    const before = await readState<Parameters<RateGate['restore']>[0]>(database.db, GATE_STATE_KEY);
    this.gate.restore(before);
    try {
      return await fn();
    } finally {
      const after = this.gate.snapshot();
      const waits = Object.values(after).map((b) => b.until);
      this.health.waiting(waits.length > 0 ? new Date(Math.min(...waits)) : undefined);
      if (JSON.stringify(after) !== JSON.stringify(before ?? {})) await writeState(database.db, GATE_STATE_KEY, after).catch(() => undefined);
    }
  }
}
