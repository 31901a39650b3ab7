import type { Server } from 'node:http';
import { webApi } from '@slack/bolt';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/index.js';
import { migrateToLatest, openDatabase, type Database, type Db } from './db/database.js';
import { pruneSentJobs } from './db/slack-jobs-prune.js';
import { pruneWaitingBrandPosts } from './db/waiting-brand-posts.js';
import { queueDepth } from './db/slack-jobs.js';
import { reminderAudienceFromConfig, reminderSettingsFromConfig, slaPolicyFromConfig } from './sla-policy.js';
import type { SlaPolicy } from './domain/sla.js';
import { slackCheck, slackSocketCheck } from './http/readiness.js';
import { sourceLabel } from './domain/sources.js';
import { createHttpServer, listen, type ReadinessCheck } from './http/server.js';
import { closeHttpServer } from './http/shutdown.js';
import { Outbox } from './jobs/outbox/worker.js';
import { startJobs, type Jobs } from './jobs/index.js';
import { compactStatsAsLeader } from './jobs/stats-compact.js';
import { SlaSweep, type SweepResult } from './jobs/sla-sweep.js';
import type { Logger } from './logger.js';
import { countIngest, createMetrics, type Metrics } from './metrics.js';
import { ingestMentions, type IngestResult } from './services/ingest.js';
import { Home } from './slack/home.js';
import { Replies } from './services/replies.js';
import { recordedElsewhere, type ReplyOut } from './services/reply-out.js';
import { Triage } from './services/triage.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { SocketTuning } from './slack/socket.js';
import { checkBrandVoice } from './slack/brand-voice.js';
import { InFlight, trackListeners } from './slack/in-flight.js';
import { registerListeners } from './slack/listeners/index.js';
import { Permissions } from './slack/permissions.js';
import type { IncomingMention } from './domain/mention.js';
import { BlueskyIntegration, type PollTuning } from './sources/bluesky/index.js';
import { MastodonIntegration } from './sources/mastodon/index.js';
import { XIntegration, type XTuning } from './sources/x/index.js';

export interface StartOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** An already open database (tests share one); otherwise opened from config. */
  database?: Database;
  /** Listen on this host (default: all interfaces). */
  host?: string;
  /** Start the card queue worker (default true). Tests may drain by hand. */
  runQueue?: boolean;
  /** Start the scheduled jobs, i.e. the SLA sweep (default true). Tests call `sweepSla()` instead. */
  runJobs?: boolean;
  /** Card queue tuning. */
  queue?: { concurrency?: number; burst?: number; leaseMs?: number };
  /** Extra reply senders, tried before the fallback (the X sender, when configured). */
  replySenders?: ReplyOut[];
  /** X source tuning (tests: manual ticks, small pages, quick reconnects). */
  x?: XTuning;
  /** Socket Mode reconnect back-off and ack deadline (tests: short waits). */
  socket?: SocketTuning;
  /** Bluesky and Mastodon source tuning (tests: manual ticks, small pages). */
  bluesky?: PollTuning;
  mastodon?: PollTuning;
  /** Quiet time before App Home views are refreshed after a change (default 2 s). */
  homeDebounceMs?: number;
  /** How long one /metrics gauge refresh serves every request (default 2 s). */
  probeCacheMs?: number;
  /** How long one /readyz answer serves every request (default 500 ms; failures never). */
  readyCacheMs?: number;
}

export interface Earshot {
  config: Config;
  database: Database;
  http: Server;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  slack: SlackApp;
  queue: Outbox;
  triage: Triage;
  replies: Replies;
  metrics: Metrics;
  slaPolicy: SlaPolicy;
  /** The SLA sweep service: warnings, overdue pings, repeats, follow-ups. */
  slaSweep: SlaSweep;
  /** One SLA sweep tick, on this replica only if no other replica is sweeping (null then). */
  sweepSla(): Promise<SweepResult | null>;
  /** The scheduled jobs (undefined with runJobs: false). */
  jobs: Jobs | undefined;
  /** Slack listeners still running after their ack (the demo and shutdown wait for them). */
  handlers: InFlight;
  /** The App Home tab: published on open, refreshed after changes. */
  home: Home;
  ingest(mentions: IncomingMention[]): Promise<IngestResult>;
  /** The X source: reading (poll or stream), the X reply sender, its health. */
  x: XIntegration;
  /** The Bluesky source (notifications, the brand's feed, the reply sender, its health). */
  bluesky: BlueskyIntegration;
  /** The Mastodon source (mentions, the brand's statuses, the reply sender, its health). */
  mastodon: MastodonIntegration;
  /** Stops taking work, finishes what is in flight, closes the database (unless it was given). */
  stop(): Promise<void>;
}

/** Wires the whole bot: database → services → Slack app → HTTP server → workers. */
export async function startEarshot(opts: StartOptions): Promise<Earshot> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics({ defaultMetrics: true });
  const database = opts.database ?? (await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, logger }));
  logger.info({ database: database.description }, 'database opened');
  await migrateToLatest(database.db, logger);
  const db = database.db;
  const slaPolicy = slaPolicyFromConfig(config);

  const slack = createSlackApp(config, logger, { tuning: opts.socket, onUnacked: (type) => metrics.slackEnvelopesUnacked.inc({ type }) });
  try {
    await checkBrandVoice({ client: slack.client, config, logger });
  } catch (err) {
    if (!opts.database) await database.close();
    throw err;
  }
  // The queue's own client: no hidden retries (the queue decides, durably) and 429s surface at once.
  const queueClient = new webApi.WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
    logger: slack.app.logger,
  });
  const queue = new Outbox({
    db,
    client: queueClient,
    clock,
    logger: logger.child({ component: 'outbox' }),
    slaPolicy,
    postsPerSecond: config.slack.postsPerSecond,
    burst: opts.queue?.burst,
    concurrency: opts.queue?.concurrency,
    leaseMs: opts.queue?.leaseMs,
    metrics,
  });
  const wake = () => queue.wake();
  const permissions = new Permissions({
    client: slack.client,
    triageChannel: config.slack.triageChannel,
    respondersGroup: config.slack.respondersGroup,
    leadsGroup: config.slack.leadsGroup,
    logger,
  });
  const home = new Home({
    db,
    clock,
    client: slack.client,
    slaPolicy,
    triageChannel: config.slack.triageChannel,
    timeZone: config.stats.timeZone,
    logger: logger.child({ component: 'home' }),
    debounceMs: opts.homeDebounceMs,
    audience: {
      mayView: async (user) => (await permissions.check(user, 'home')).ok,
      outsider: () => ({ team: permissions.describeTeam(), whoToAsk: permissions.whoToAsk() }),
    },
  });
  const triage = new Triage({
    db,
    clock,
    triageChannel: config.slack.triageChannel,
    escalationChannel: config.slack.escalationChannel,
    leadsGroup: config.slack.leadsGroup,
    onQueued: wake,
    onChanged: (m) => home.changed(m),
  });
  const x = new XIntegration({ config, logger, metrics, clock, tuning: opts.x });
  const bluesky = new BlueskyIntegration({ config: config.bluesky, logger, metrics, clock, tuning: opts.bluesky });
  const mastodon = new MastodonIntegration({ config: config.mastodon, logger, metrics, clock, tuning: opts.mastodon });
  const networkSenders = [x.replySender, bluesky.replySender, mastodon.replySender].filter((s): s is ReplyOut => s !== undefined);
  const replySenders = [...(opts.replySenders ?? []), ...networkSenders, recordedElsewhere];
  const replies = new Replies({ db, triage, clock, senders: replySenders, metrics, logger });
  const slaSweep = new SlaSweep({
    database,
    clock,
    logger: logger.child({ component: 'sla-sweep' }),
    metrics,
    slaPolicy,
    settings: reminderSettingsFromConfig(config),
    audience: reminderAudienceFromConfig(config),
    triageChannel: config.slack.triageChannel,
    idleDays: config.cases.idleDays,
    // Reminders mean SLA states changed (and claims may have been released): refresh Home tabs too.
    onQueued: () => {
      wake();
      home.changed();
    },
  });
  // Registered first so it sees every payload: a shutdown waits for listeners still running after their ack.
  const handlers = new InFlight();
  trackListeners(slack.app, handlers);
  registerListeners(slack.app, { db, clock, logger, config, metrics, slaPolicy, triage, replies, permissions, home });
  slack.app.error(async (err) => {
    logger.error({ err: err.message, code: (err as { code?: string }).code }, 'unhandled error in a Slack listener');
  });

  // New mentions wake the card queue and, once the burst is over, refresh the Home tabs' Unclaimed list.
  const onStored = () => {
    wake();
    home.changed();
  };
  const ingest = async (mentions: IncomingMention[]) => {
    const r = await ingestMentions({ db, triageChannel: config.slack.triageChannel, slaPolicy, priorityRules: config.priority, reopenDays: config.cases.reopenDays, now: () => clock.now(), onStored }, mentions);
    countIngest(metrics, r.bySource, (name) => sourceLabel(name, config.ingest.sources));
    return r;
  };

  const readiness: ReadinessCheck[] = [
    {
      name: 'database',
      required: true,
      check: async () => {
        await db.selectFrom('app_state').select('key').limit(1).execute();
        return { ok: true, detail: database.description };
      },
    },
    slackCheck(queueClient),
    ...(slack.socket ? [slackSocketCheck(slack.socket)] : []),
    // What the X source itself saw (refused keys, unknown brand, rate-limit waits): no extra billed calls.
    { name: 'x', required: false, check: () => Promise.resolve(x.check()) },
    // Likewise what the Bluesky and Mastodon readers last saw (a refused credential, a rate-limit wait).
    { name: 'bluesky', required: false, check: () => Promise.resolve(bluesky.check()) },
    { name: 'mastodon', required: false, check: () => Promise.resolve(mastodon.check()) },
  ];

  const http = createHttpServer({
    logger,
    metrics,
    slackEvents: slack.eventsHandler,
    webhook: config.ingest.webhookSecret ? { secret: config.ingest.webhookSecret, clock, logger, metrics, ingest } : undefined,
    readiness,
    probeCacheMs: opts.probeCacheMs,
    readyCacheMs: opts.readyCacheMs,
    beforeMetrics: async () => {
      try {
        const d = await queueDepth(db);
        metrics.queueDepth.set(d.pending);
        metrics.queueFailed.set(d.failed);
      } catch (err) {
        // An old figure would look current: say it is unknown until the database answers again.
        metrics.queueDepth.set(Number.NaN);
        metrics.queueFailed.set(Number.NaN);
        logger.warn({ err }, 'metrics: could not read the outbox depth; reporting it as unknown');
      }
    },
  });
  const port = await listen(http, config.port, opts.host);
  await slack.start();
  if (opts.runQueue !== false) queue.start();
  x.start({ database, ingest });
  bluesky.start({ database, ingest });
  mastodon.start({ database, ingest });
  const jobs = opts.runJobs === false ? undefined : startJobs({ config, logger, slaSweep, prune: () => pruneKeptAWhile(db, clock.now()), compactStats: () => compactStatsAsLeader(database) });
  permissions.warm();
  logger.info({ port, mode: config.slack.mode, channel: config.slack.triageChannel }, 'earshot is listening');

  let stopped = false;
  return {
    config,
    database,
    http,
    url: `http://127.0.0.1:${port}`,
    port,
    slack,
    queue,
    triage,
    replies,
    metrics,
    slaPolicy,
    slaSweep,
    sweepSla: () => slaSweep.sweepAsLeader(),
    jobs,
    handlers,
    home,
    ingest,
    x,
    bluesky,
    mastodon,
    async stop() {
      if (stopped) return;
      stopped = true;
      // No new ticks; a sweep in flight finishes before the database closes.
      await jobs?.stop();
      // No new reads from the networks; a page in flight is dropped unstored (its cursor has not moved).
      await Promise.all([x.stop(), bluesky.stop(), mastodon.stop()]);
      // Stop taking work: no new connections or Slack events, no new queue leases.
      const queueStopped = queue.stop();
      await Promise.all([closeHttpServer(http), slack.stop()]);
      // Finish what is in flight (listeners still running after their ack, jobs being sent), then close.
      await Promise.all([handlers.idle(), queueStopped]);
      await home.stop();
      if (!opts.database) await database.close();
    },
  };
}

/** What is kept for a while only: sent Slack jobs, and brand posts that waited in vain for the post they answer. */
async function pruneKeptAWhile(db: Db, now: Date): Promise<void> {
  await pruneSentJobs(db, { now });
  await pruneWaitingBrandPosts(db, now);
}
