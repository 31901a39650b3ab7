import type { RequestListener } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Config } from '../config.js';
import { boltLogger, type Logger } from '../logger.js';

type BoltApp = App;

export interface SlackApp {
  app: BoltApp;
  /** HTTP mode: the handler for POST /slack/events, mounted on earshot's own server. */
  eventsHandler?: RequestListener;
  /** Socket Mode: opens the connection. HTTP mode: nothing to do. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the Bolt app for the configured mode; Web API calls go to SLACK_API_URL when set. */
export function createSlackApp(config: Config, logger: Logger): SlackApp {
  const slackLogger = boltLogger(logger);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // Interactions answer people: retry briefly, never for minutes (the queue handles durable work).
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2_000 },
    timeout: 10_000,
  };
  if (config.slack.mode === 'socket') {
    const app = new App({
      token: config.slack.botToken,
      appToken: config.slack.appToken,
      socketMode: true,
      logger: slackLogger,
      logLevel: LogLevel.INFO,
      clientOptions,
      tokenVerificationEnabled: false,
    });
    return { app, start: async () => void (await app.start()), stop: () => app.stop() as Promise<void> };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: slackLogger,
    // Ack first, then work: Bolt answers Slack as soon as the listener calls ack().
    processBeforeResponse: false,
  });
  const app = new App({ token: config.slack.botToken, receiver, logger: slackLogger, clientOptions, tokenVerificationEnabled: false });
  return { app, eventsHandler: receiver.requestListener, start: async () => undefined, stop: async () => undefined };
}
