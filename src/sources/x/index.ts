/**
 * The X source, started and stopped from the config: the reply sender (user credentials), and
 * reading (bearer token) by polling or by the filtered stream. Reading is leader work: one
 * replica at a time holds LOCK.xPoller (per poll tick; for the stream's lifetime in stream mode).
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/index.js';
import { isConnectionError, type Database } from '../../db/database.js';
import { LOCK, runAsLeader } from '../../db/leader.js';
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
  private poller?: XPoller;
  private stream?: XStream;
  private database?: Database;
  private serial: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private abandoned = false;

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
    if (!read || !brandUsername || this.stopped) return;
    this.database = o.database;
    const api = new XApi({ client: read, gate: this.gate, clock, metrics, health: this.health, timeoutMs: tuning?.requestTimeoutMs });
    this.poller = new XPoller({
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
      isStopped: () => this.stopped,
      isAbandoned: () => this.abandoned,
    });
    if (config.x.mode === 'stream') {
      this.stream = new XStream({
        client: read,
        api,
        poller: this.poller,
        clock,
        logger: this.logger,
        metrics,
        health: this.health,
        ingest: o.ingest,
        includeRetweets: config.x.includeRetweets,
        retryGapMs: config.x.pollSeconds * 1000,
        isAbandoned: () => this.abandoned,
        reconnectDelayMs: tuning?.reconnectDelayMs,
      });
    }
    this.logger.info({ mode: config.x.mode, brand: brandUsername, search: Boolean(config.x.searchQuery) }, 'X: reading started');
    if (!tuning?.manual) this.loop();
  }

  /**
   * Poll mode: one tick now (if this replica gets the lock). Stream mode: a gap poll on the
   * replica holding the stream. Resolves with what was read, or undefined when another replica leads.
   */
  pollNow(): Promise<PollOutcome | undefined> {
    if (this.stream) return this.stream.isConnected ? this.stream.pollNow() : Promise.resolve(undefined);
    return this.runSerial(() => this.pollTick());
  }

  /** No new reads; a read in flight is stored if it lands within the grace period, else dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream?.stop();
    let grace: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (grace = setTimeout(resolve, this.o.tuning?.stopGraceMs ?? 5_000)));
    await Promise.race([Promise.all([this.running, this.serial]), timeUp]);
    clearTimeout(grace);
    this.abandoned = true;
  }

  private runSerial<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const next = this.serial.then(() => (this.stopped ? undefined : fn()));
    this.serial = next.catch(() => undefined);
    return next;
  }

  private loop(): void {
    if (this.stopped) return;
    const started = Date.now();
    const interval = this.o.config.x.pollSeconds * 1000;
    const tick = (): Promise<unknown> => (this.stream ? this.streamTick() : this.pollTick());
    this.running = this.runSerial(tick).finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      // Fixed rate: the next tick is due one interval after this one started. The gate holds
      // back calls to an endpoint whose window is used up, whenever the tick comes.
      this.timer = setTimeout(() => this.loop(), Math.max(0, started + interval - Date.now()));
      this.timer.unref();
    });
  }

  /** One poll under the leader lock; the rate-limit state travels with the lock via the database. */
  private async pollTick(): Promise<PollOutcome | undefined> {
    const database = this.database;
    const poller = this.poller;
    if (!database || !poller) return undefined;
    let outcome: PollOutcome | undefined;
    try {
      await runAsLeader(database, LOCK.xPoller, async () => {
        outcome = await this.withSharedGate(database, () => poller.pollOnce());
      });
    } catch (err) {
      this.tickFailed(err);
    }
    return outcome;
  }

  /** Stream mode: the replica that gets the lock keeps it while the stream runs. */
  private async streamTick(): Promise<void> {
    const database = this.database;
    const stream = this.stream;
    if (!database || !stream) return;
    try {
      await runAsLeader(database, LOCK.xPoller, async () => {
        await this.withSharedGate(database, () => stream.run());
      });
    } catch (err) {
      this.tickFailed(err);
    }
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

  private tickFailed(err: unknown): void {
    if (isConnectionError(err)) this.logger.warn({ err: (err as Error).message }, 'X: database unreachable; nothing read was lost: the next tick stores the page already read (or reads it again if another replica moved on)');
    else this.logger.error({ err }, 'X: tick failed; the next tick tries again');
  }
}
