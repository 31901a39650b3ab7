import type { RequestListener } from 'node:http';
import { App, ErrorCode, LogLevel, webApi, type Authorize, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import type { Config } from '../config/index.js';
import { boltLogger, type Logger } from '../logger.js';
import { EarshotReceiver } from './receiver.js';
import { SocketLink, dropRetriedEvents, type SocketTuning } from './socket.js';

type BoltApp = App;

export interface SlackApp {
  app: BoltApp;
  /** A client bound to the bot token, for calls made outside a listener. */
  client: webApi.WebClient;
  /** HTTP mode: the handler for POST /slack/events, mounted on earshot's own server. */
  eventsHandler?: RequestListener;
  /** Socket Mode: the connection, its state for /readyz. */
  socket?: SocketLink;
  /** Socket Mode: opens the connection (a failure is retried in the background). HTTP mode: nothing to do. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the Bolt app for the configured mode; Web API calls go to SLACK_API_URL when set. */
export function createSlackApp(
  config: Config,
  logger: Logger,
  socket: { tuning?: SocketTuning; onUnacked?: (type: string) => void } = {},
): SlackApp {
  const slackLogger = boltLogger(logger);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // Interactions answer people: retry briefly, never for minutes (the queue handles durable work).
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 },
    timeout: 10_000,
  };
  const client = new webApi.WebClient(config.slack.botToken, { ...clientOptions, logger: slackLogger });
  const authorize = cachedAuthorize(client, config.slack.botToken);
  if (config.slack.mode === 'socket') {
    // Our own receiver: given to App as `socketMode: true`, Bolt would hand the interactive
    // retryConfig above to the Socket Mode client, which then gives up reconnecting after 3 tries.
    const link = new SocketLink({
      appToken: config.slack.appToken ?? '',
      apiUrl: config.slack.apiUrl,
      boltLogger: slackLogger,
      logger,
      tuning: socket.tuning,
      onUnacked: socket.onUnacked,
    });
    const app = new App({ authorize, receiver: link.receiver, logger: slackLogger, logLevel: LogLevel.INFO, clientOptions });
    app.use(dropRetriedEvents());
    return { app, client, socket: link, start: () => link.start(), stop: () => link.stop() };
  }
  const receiver = new EarshotReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    logger,
    boltLogger: slackLogger,
    processEventErrorHandler: answerMalformedEvent,
  });
  // convoStore: false — Bolt's default conversation store runs on every event (clicks included)
  // for a `context.conversation` earshot never reads.
  const app = new App({ authorize, receiver, logger: slackLogger, clientOptions, convoStore: false });
  return { app, client, eventsHandler: receiver.requestListener, start: async () => undefined, stop: async () => undefined };
}

/**
 * Errors that reach the receiver were thrown by Bolt itself before any listener ran (listener
 * errors go to app.error): a signed payload missing fields Bolt expects. That is a bad request,
 * not a server fault: 400 instead of Bolt's default 500 (401 for authorization, as Bolt does).
 */
async function answerMalformedEvent({ error, logger, response }: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  if (response.headersSent) {
    logger.error(`An error occurred after the request was acknowledged: ${error.message}`);
    return false;
  }
  const unauthorized = 'code' in error && error.code === ErrorCode.AuthorizationError;
  logger.warn(`Slack request Bolt could not process (${unauthorized ? 'authorization' : 'malformed payload'}): ${error.message}`);
  response.writeHead(unauthorized ? 401 : 400);
  response.end();
  return true;
}

/**
 * Bolt's single-token mode with token verification off calls auth.test on every incoming event
 * (it caches nothing): a Slack round trip before each ack. This asks once and remembers; a failed
 * lookup is asked again on the next event.
 */
function cachedAuthorize(client: webApi.WebClient, botToken: string): Authorize<boolean> {
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return async () => {
    identity ??= client.auth.test().then(
      (r) => ({ botId: r.bot_id, botUserId: r.user_id }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    );
    return { botToken, ...(await identity) };
  };
}
