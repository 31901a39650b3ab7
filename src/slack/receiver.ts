import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import {
  HTTPModuleFunctions,
  HTTPResponseAck,
  ReceiverMultipleAckError,
  verifySlackRequest,
  type App,
  type BufferedIncomingMessage,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverEvent,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { Logger } from '../logger.js';
import { answerEmpty, readSlackBody } from './request-guard.js';

/**
 * earshot's receiver for HTTP mode: Bolt's HTTPReceiver minus what earshot does not use (its own
 * server, routing, OAuth install pages, custom routes), with the same checks in the same order:
 * `ssl_check` answered unsigned, then Bolt's own `verifySlackRequest` (HMAC signature, timestamp
 * no older than 5 minutes: no replays), then the body parsed as Bolt parses it (once, not twice),
 * `url_verification` answered, and the event handed to `app.processEvent`. Listeners keep Bolt's
 * API (`app.action`, `ack()`, middleware).
 *
 * One difference, for speed: a `block_actions` payload (a click) is answered 200 as soon as it is
 * verified, before Bolt's middleware and listener matching run, and dispatched on the next turn of
 * the event loop, so a burst of clicks is acked first and processed after. Slack reads nothing
 * but the status from a click's answer, and every action listener acks without a body; the
 * listener's `ack()` then only guards against a second call, as Bolt's does. Everything else
 * (commands, modal submissions with `response_action`, options) is acked by its listener through
 * Bolt's HTTPResponseAck, with Bolt's 3-second unanswered-request fallback.
 *
 * The body is also checked before Bolt sees it: over 2 MB is refused (413), and a payload that
 * is not a JSON object gets 400 (Bolt would throw outside any handler and leave it unanswered).
 */
export class EarshotReceiver implements Receiver {
  readonly requestListener: RequestListener;
  private app: App | undefined;
  private track: (work: Promise<unknown>) => void = (work) => void work;

  constructor(
    private readonly o: {
      signingSecret: string;
      logger: Logger;
      boltLogger: BoltLogger;
      /** Errors Bolt throws before a listener acks (a signed payload it cannot route); true when it answered. */
      processEventErrorHandler: (args: ReceiverProcessEventErrorHandlerArgs) => Promise<boolean>;
    },
  ) {
    this.requestListener = (req, res) => readSlackBody(req, res, o.logger, (raw) => this.handle(req, res, raw));
  }

  init(app: App): void {
    this.app = app;
    receivers.set(app, this);
  }

  /** HTTP mode runs on earshot's own server (src/http/server.ts): nothing to listen on here. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Counts each accepted event from its arrival until Bolt's listeners for it have returned. */
  trackWith(track: (work: Promise<unknown>) => void): void {
    this.track = track;
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const text = raw.toString();
    const form = req.headers['content-type'] === 'application/x-www-form-urlencoded' ? parseQuery(text) : undefined;
    // Slack's certificate check carries no signature and nothing to process.
    if (form?.ssl_check === '1') return answerEmpty(res, 200);
    try {
      const signature = req.headers['x-slack-signature'];
      const timestamp = req.headers['x-slack-request-timestamp'];
      if (typeof signature !== 'string' || typeof timestamp !== 'string') throw new Error('Failed to verify authenticity: x-slack-signature or x-slack-request-timestamp missing');
      verifySlackRequest({ signingSecret: this.o.signingSecret, body: text, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) } });
    } catch (err) {
      this.o.boltLogger.warn(`Failed to parse and verify the request data: ${(err as Error).message}`);
      return answerEmpty(res, 401);
    }
    let body: unknown;
    try {
      body = form ? (typeof form.payload === 'string' ? JSON.parse(form.payload) : form) : JSON.parse(text);
    } catch (err) {
      this.o.boltLogger.warn(`Malformed request body: ${(err as Error).message}`);
      return answerEmpty(res, 400);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.o.logger.warn({ bytes: raw.length }, 'Slack request whose payload is not a JSON object; answered 400');
      return answerEmpty(res, 400);
    }
    const payload = body as Record<string, unknown>;
    if (payload.type === 'url_verification') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ challenge: payload.challenge }));
      return;
    }
    (req as BufferedIncomingMessage).rawBody = raw;
    const event: ReceiverEvent = {
      body: payload,
      ack: async () => undefined,
      retryNum: HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req),
      retryReason: HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req),
    };
    if (payload.type === 'block_actions') {
      answerEmpty(res, 200);
      let acked = false;
      event.ack = async () => {
        if (acked) throw new ReceiverMultipleAckError();
        acked = true;
      };
      this.track(new Promise((resolve) => setImmediate(resolve)).then(() => this.dispatch(event, req, res)));
      return;
    }
    const ack = new HTTPResponseAck({ logger: this.o.boltLogger, processBeforeResponse: false, httpRequest: req as BufferedIncomingMessage, httpRequestBody: payload, httpResponse: res });
    event.ack = ack.bind();
    this.track(this.dispatch(event, req, res, ack));
  }

  private async dispatch(event: ReceiverEvent, req: IncomingMessage, res: ServerResponse, ack?: HTTPResponseAck): Promise<void> {
    try {
      if (!this.app) throw new Error('the receiver was not given to a Bolt App');
      await this.app.processEvent(event);
    } catch (error) {
      const answered = await this.o.processEventErrorHandler({ error: error as Error, logger: this.o.boltLogger, request: req, response: res, storedResponse: undefined });
      if (answered) ack?.ack();
    }
  }
}

const receivers = new WeakMap<App, EarshotReceiver>();

/** The EarshotReceiver an app was built with, if it was. */
export function earshotReceiverOf(app: App): EarshotReceiver | undefined {
  return receivers.get(app);
}
