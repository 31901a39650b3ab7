import type { Server } from 'node:http';
import { webApi } from '@slack/bolt';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { migrateToLatest, openDatabase, type Database } from './db/database.js';
import { queueDepth } from './db/slack-jobs.js';
import { slaPolicyFromConfig } from './sla-policy.js';
import type { SlaPolicy } from './domain/sla.js';
import { createHttpServer, listen, type ReadinessCheck } from './http/server.js';
import { CardQueue } from './jobs/card-queue.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { ingestMentions, type IngestResult } from './services/ingest.js';
import { Replies } from './services/replies.js';
import { recordedElsewhere, type ReplyOut } from './services/reply-out.js';
import { Triage } from './services/triage.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { registerListeners } from './slack/listeners/index.js';
import { Permissions } from './slack/permissions.js';
import type { IncomingMention } from './sources/mention.js';

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
  /** Card queue tuning. */
  queue?: { concurrency?: number; burst?: number; leaseMs?: number };
  /** Extra reply senders, tried before the fallback (the X sender, when configured). */
  replySenders?: ReplyOut[];
}

export interface Earshot {
  config: Config;
  database: Database;
  http: Server;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  slack: SlackApp;
  queue: CardQueue;
  triage: Triage;
  replies: Replies;
  metrics: Metrics;
  slaPolicy: SlaPolicy;
  ingest(mentions: IncomingMention[]): Promise<IngestResult>;
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

  const slack = createSlackApp(config, logger);
  // The queue's own client: no hidden retries (the queue decides, durably) and 429s surface at once.
  const queueClient = new webApi.WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
    logger: slack.app.logger,
  });
  const queue = new CardQueue({
    db,
    client: queueClient,
    clock,
    logger: logger.child({ component: 'card-queue' }),
    slaPolicy,
    postsPerSecond: config.slack.postsPerSecond,
    burst: opts.queue?.burst,
    concurrency: opts.queue?.concurrency,
    leaseMs: opts.queue?.leaseMs,
    metrics,
  });
  const wake = () => queue.wake();
  const triage = new Triage({
    db,
    clock,
    triageChannel: config.slack.triageChannel,
    escalationChannel: config.slack.escalationChannel,
    leadsGroup: config.slack.leadsGroup,
    onQueued: wake,
  });
  const replies = new Replies({ db, triage, clock, senders: [...(opts.replySenders ?? []), recordedElsewhere], metrics });
  const permissions = new Permissions({
    client: slack.client,
    triageChannel: config.slack.triageChannel,
    respondersGroup: config.slack.respondersGroup,
    leadsGroup: config.slack.leadsGroup,
    logger,
  });
  registerListeners(slack.app, { db, clock, logger, config, metrics, slaPolicy, triage, replies, permissions });
  slack.app.error(async (err) => {
    logger.error({ err: err.message, code: (err as { code?: string }).code }, 'unhandled error in a Slack listener');
  });

  const ingest = async (mentions: IncomingMention[]) => {
    const r = await ingestMentions({ db, triageChannel: config.slack.triageChannel, slaPolicy, onStored: wake }, mentions);
    for (const [source, c] of Object.entries(r.bySource)) {
      if (c.accepted) metrics.mentionsIngested.inc({ source }, c.accepted);
      if (c.duplicates) metrics.mentionsDuplicate.inc({ source }, c.duplicates);
    }
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
    {
      name: 'slack',
      required: true,
      check: async () => {
        const r = await queueClient.auth.test();
        return { ok: Boolean(r.ok), detail: `team ${r.team ?? '?'} as ${r.user ?? '?'}` };
      },
    },
  ];

  const http = createHttpServer({
    logger,
    metrics,
    slackEvents: slack.eventsHandler,
    webhook: config.ingest.webhookSecret ? { secret: config.ingest.webhookSecret, clock, logger, metrics, ingest } : undefined,
    readiness,
    beforeMetrics: async () => {
      const d = await queueDepth(db);
      metrics.queueDepth.set(d.pending);
      metrics.queueFailed.set(d.failed);
    },
  });
  const port = await listen(http, config.port, opts.host);
  await slack.start();
  if (opts.runQueue !== false) queue.start();
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
    ingest,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
      });
      await slack.stop();
      await queue.stop();
      if (!opts.database) await database.close();
    },
  };
}
