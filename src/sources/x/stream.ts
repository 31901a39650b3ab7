/**
 * Stream mode (X_MODE=stream): the filtered stream, with earshot's rules kept in step with the
 * config, reconnecting with back-off. X does not replay what was posted while a connection was
 * down, so after every (re)connect a poll from the last stored id fills the gap. Stream posts
 * move the poll cursors forward only while the stream is known to be continuous (after that
 * gap poll), so the next gap poll reads nothing twice and misses nothing. The stream does not
 * carry the brand's own posts: its own timeline is polled every `retryGapMs` all the same.
 */
import { ETwitterStreamEvent, type StreamingV2GetRulesResult, type TweetStream, type TweetV2SingleStreamResult, type TwitterApiReadOnly } from 'twitter-api-v2';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { IncomingMention } from '../../domain/mention.js';
import type { XApi } from './api.js';
import { describeXError, type XErrorDescription } from './errors.js';
import type { XHealth } from './health.js';
import { maxXId, normalisePosts, X_READ_FIELDS } from './normalise.js';
import { mentionsRule, type Brand, type PollOutcome, type XPoller } from './poller.js';

export const RULE_TAG_PREFIX = 'earshot:';

export interface XStreamDeps {
  client: TwitterApiReadOnly;
  api: XApi;
  poller: XPoller;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  health: XHealth;
  ingest(mentions: IncomingMention[]): Promise<IngestResult>;
  includeRetweets: boolean;
  /** How often a gap poll that could not finish (rate limit, X down) is tried again, and the brand's own timeline polled. */
  retryGapMs: number;
  /** Shut down without waiting: posts still queued are dropped (the next gap poll reads them). */
  isAbandoned(): boolean;
  /** Delay before reconnect attempt `attempt` (1, 2, …) after `error`; default follows X's advice. */
  reconnectDelayMs?: (attempt: number, error: XErrorDescription | undefined) => number;
}

/** X's advice: network errors back off linearly (250 ms steps to 16 s), HTTP errors exponentially from 5 s, 429 from 1 min. */
export function defaultReconnectDelay(attempt: number, error: XErrorDescription | undefined, now: Date): number {
  if (error?.status === 429) {
    const untilReset = error.rateLimitResetAt ? error.rateLimitResetAt.getTime() - now.getTime() + 1_000 : 0;
    return Math.max(untilReset, Math.min(60_000 * 2 ** (attempt - 1), 15 * 60_000));
  }
  if (error?.status === 401 || error?.status === 403) return 5 * 60_000;
  if (error && error.status >= 400) return Math.min(5_000 * 2 ** (attempt - 1), 320_000);
  return Math.min(250 * attempt, 16_000);
}

export class XStream {
  private chain: Promise<unknown> = Promise.resolve();
  private stream?: TweetStream<TweetV2SingleStreamResult>;
  private connected = false;
  /** Bumped on every connect and disconnect: a gap poll only counts for the connection it started on. */
  private generation = 0;
  private inSync = false;
  private seenSinceConnect: string | null = null;
  private stopped = false;
  private finish?: () => void;

  constructor(private readonly deps: XStreamDeps) {}

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * Keeps the stream open until stop(). Returns 'retry' when it could not start (brand unknown,
   * rules refused, X unreachable): the caller tries again on its next tick.
   */
  async run(): Promise<'stopped' | 'retry'> {
    const { client, logger } = this.deps;
    const brand = await this.deps.poller.brand();
    if (!brand || this.stopped) return this.stopped ? 'stopped' : 'retry';
    if (!(await this.syncRules(brand))) return this.stopped ? 'stopped' : 'retry';
    if (this.stopped) return 'stopped';

    const stream = client.v2.searchStream({ ...X_READ_FIELDS, autoConnect: false });
    this.stream = stream;
    // The library's close() ends the connection it has, not one still on its way: a (re)connect
    // that lands after stop() is closed here, and no further attempt follows (autoReconnect off).
    const connected = () => {
      if (this.stopped) close();
      else this.onConnected();
    };
    const close = () => {
      stream.autoReconnect = false;
      stream.close();
    };
    stream.on(ETwitterStreamEvent.Connected, connected);
    stream.on(ETwitterStreamEvent.Reconnected, connected);
    stream.on(ETwitterStreamEvent.ConnectionError, (err: unknown) => this.onDisconnected(err));
    stream.on(ETwitterStreamEvent.ConnectionLost, () => this.onDisconnected(new Error('no data or keep-alive from X for too long')));
    stream.on(ETwitterStreamEvent.Data, (event: TweetV2SingleStreamResult) => void this.enqueue(() => this.onPost(event)));
    stream.on(ETwitterStreamEvent.DataError, (payload: unknown) => logger.warn({ payload }, 'X stream: error payload'));
    stream.on(ETwitterStreamEvent.TweetParseError, (err: unknown) => logger.warn({ err }, 'X stream: unreadable data'));

    let lastError: XErrorDescription | undefined;
    stream.on(ETwitterStreamEvent.Error, (e: { type: string; error: unknown }) => {
      if (e.type !== ETwitterStreamEvent.ConnectError && e.type !== ETwitterStreamEvent.ReconnectError) return;
      lastError = describeXError(e.error);
      this.deps.metrics.xRequests.inc({ endpoint: 'stream', status: lastError.status ? String(lastError.status) : lastError.code });
      if (lastError.status === 429) this.deps.metrics.xRateLimitWaits.inc({ endpoint: 'stream' });
      this.deps.health.failed('read', 'stream', lastError);
      logger.warn({ status: lastError.status, reason: lastError.reason }, 'X stream: could not connect; retrying');
    });
    const delay = (attempt: number, err: unknown) => {
      const d = err === undefined ? lastError : describeXError(err);
      return (this.deps.reconnectDelayMs ?? ((a, e) => defaultReconnectDelay(a, e, this.deps.clock.now())))(attempt, d);
    };

    const done = new Promise<void>((resolve) => (this.finish = resolve));
    await stream.connect({ autoReconnect: true, autoReconnectRetries: Infinity, nextRetryTimeout: delay });
    const retry = setInterval(() => {
      // Checked again when its turn comes: a gap poll queued behind the one that completed the
      // gap would read the stream's newest posts a second time (X bills every read).
      if (this.connected && !this.inSync) void this.enqueue(() => (this.connected && !this.inSync ? this.gapPoll() : this.ownPoll()));
      else void this.enqueue(() => this.ownPoll());
    }, this.deps.retryGapMs);
    retry.unref();
    if (!this.stopped) await done;
    clearInterval(retry);
    close();
    this.connected = false;
    this.deps.health.stream(false);
    await this.chain;
    return 'stopped';
  }

  stop(): void {
    this.stopped = true;
    this.finish?.();
  }

  /** Runs a gap poll now (after the ones queued). */
  pollNow(): Promise<PollOutcome | undefined> {
    return this.enqueue(() => this.gapPoll());
  }

  /** Posts and gap polls run one at a time, in arrival order (posts already received are stored even while stopping). */
  private enqueue<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch((err: unknown) => {
      this.inSync = false;
      this.deps.logger.error({ err }, 'X stream: could not store posts; a poll will catch up');
    });
    return next.catch(() => undefined);
  }

  private onConnected(): void {
    this.connected = true;
    this.generation++;
    this.inSync = false;
    this.seenSinceConnect = null;
    this.deps.health.stream(true);
    this.deps.health.read(this.deps.clock.now());
    this.deps.metrics.xRequests.inc({ endpoint: 'stream', status: '200' });
    this.deps.logger.info('X stream: connected; polling for posts missed while disconnected');
    void this.enqueue(() => this.gapPoll());
  }

  private onDisconnected(err: unknown): void {
    if (this.stopped) return;
    this.connected = false;
    this.generation++;
    this.inSync = false;
    this.deps.health.stream(false);
    this.deps.logger.warn({ reason: describeXError(err).reason }, 'X stream: disconnected; reconnecting');
  }

  private async gapPoll(): Promise<PollOutcome | undefined> {
    if (this.stopped) return undefined;
    const generation = this.generation;
    const outcome = await this.deps.poller.pollOnce();
    // The own timeline (outcome.own) has no part in the stream's continuity: the stream never raises its cursor.
    const complete = outcome.brand !== undefined && !outcome.stopped && outcome.timelines.every((t) => t.caughtUp);
    if (complete && generation === this.generation && this.connected) {
      // Everything before this poll is stored, and the stream has carried everything since the
      // connection opened: the cursors may move to the newest post the stream delivered.
      if (this.seenSinceConnect) await this.deps.poller.raiseCursors(this.seenSinceConnect);
      this.inSync = true;
    }
    return outcome;
  }

  private async ownPoll(): Promise<PollOutcome | undefined> {
    if (this.stopped) return undefined;
    return this.deps.poller.pollOnce('own');
  }

  private async onPost(event: TweetV2SingleStreamResult): Promise<void> {
    const { metrics, poller } = this.deps;
    const filters = poller.filtersFor();
    if (!filters || !event.data || this.deps.isAbandoned()) return;
    metrics.xPostsRead.inc({ source: 'stream' }, 1);
    const { mentions, skipped } = normalisePosts(event, filters);
    for (const s of skipped) metrics.xPostsSkipped.inc({ reason: s.reason });
    if (mentions.length > 0) await this.deps.ingest(mentions);
    if (this.inSync) await poller.raiseCursors(event.data.id);
    else this.seenSinceConnect = maxXId(this.seenSinceConnect, event.data.id);
  }

  /** Earshot's rules (tagged `earshot:…`) made equal to the config; other rules are left alone. */
  private async syncRules(brand: Brand): Promise<boolean> {
    const { api, client, logger, health } = this.deps;
    const search = this.deps.poller.searchQuery(brand);
    const desired = [
      { value: mentionsRule(brand.username, this.deps.includeRetweets), tag: `${RULE_TAG_PREFIX}mentions` },
      ...(search ? [{ value: search, tag: `${RULE_TAG_PREFIX}search` }] : []),
    ];
    const current = await api.get<StreamingV2GetRulesResult>('stream_rules', 'tweets/search/stream/rules', {});
    if (!current.ok) return false;
    const existing = current.data.data ?? [];
    const stale = existing.filter((r) => r.tag?.startsWith(RULE_TAG_PREFIX) && !desired.some((d) => d.value === r.value && d.tag === r.tag));
    const missing = desired.filter((d) => !existing.some((r) => r.value === d.value && (r.tag === d.tag || !r.tag?.startsWith(RULE_TAG_PREFIX))));
    if (stale.length > 0) {
      const r = await api.call('stream_rules_update', (timeout) =>
        client.v2.post('tweets/search/stream/rules', { delete: { ids: stale.map((s) => s.id) } }, { fullResponse: true, timeout }),
      );
      if (!r.ok) return false;
      logger.info({ rules: stale.map((s) => s.value) }, 'X stream: removed rules no longer in the config');
    }
    if (missing.length > 0) {
      const r = await api.call<{ errors?: { value?: string; title?: string; details?: string[] }[] }>('stream_rules_update', (timeout) =>
        client.v2.post('tweets/search/stream/rules', { add: missing }, { fullResponse: true, timeout }),
      );
      if (!r.ok) return false;
      const refused = (r.data.errors ?? []).filter((e) => e.title !== 'DuplicateRule');
      if (refused.length > 0) {
        health.problem('setup', `X refused the stream rule ${refused.map((e) => `"${e.value ?? '?'}" (${e.details?.join(' ') ?? e.title ?? 'invalid'})`).join(', ')}: check X_BRAND_USERNAME and X_SEARCH_QUERY`);
        return false;
      }
      logger.info({ rules: missing.map((m) => m.value) }, 'X stream: added rules');
    }
    health.resolved('setup');
    return true;
  }
}
