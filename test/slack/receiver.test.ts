import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, ReceiverMultipleAckError } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boltLogger, createLogger } from '../../src/logger.js';
import { EarshotReceiver } from '../../src/slack/receiver.js';
import { InFlight, trackListeners } from '../../src/slack/in-flight.js';
import { blockAction, commandBody, interactionBody, slackHeaders, viewSubmission } from '../support/slack-requests.js';

/** The receiver on its own: a real Bolt App and node:http server, no database or Slack. */

const logger = createLogger({ level: 'silent', pretty: false });
let server: Server;
let url: string;
const inFlight = new InFlight();
const seen: string[] = [];
let releaseClick: () => void = () => undefined;
let secondAck: unknown;
let releaseCommand: () => void = () => undefined;

beforeAll(async () => {
  const receiver = new EarshotReceiver({
    signingSecret: 'test-signing-secret-0123456789abcdef',
    logger,
    boltLogger: boltLogger(logger),
    processEventErrorHandler: async ({ response }) => {
      if (response.headersSent) return false;
      response.writeHead(400);
      response.end();
      return true;
    },
  });
  const app = new App({ receiver, authorize: async () => ({ botToken: 'xoxb-x', botId: 'B1', botUserId: 'U0BOT' }), logLevel: LogLevel.ERROR, convoStore: false });
  trackListeners(app, inFlight);
  // Waits before it acks: the click's answer must not wait for it.
  app.action('held_click', async ({ ack }) => {
    seen.push('click started');
    await new Promise<void>((resolve) => (releaseClick = resolve));
    await ack();
    secondAck = await ack().then(
      () => 'no error',
      (err: unknown) => err,
    );
    seen.push('click done');
  });
  app.view('form', async ({ ack }) => {
    await ack({ response_action: 'errors', errors: { b: 'Say more.' } });
  });
  app.command('/held', async ({ ack }) => {
    await new Promise<void>((resolve) => (releaseCommand = resolve));
    await ack({ text: 'done' });
  });
  server = createServer(receiver.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const post = async (body: string, headers: Record<string, string>) => {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, text: await r.text() };
};
const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('EarshotReceiver', () => {
  it('answers a signed click 200 before Bolt dispatches it, and counts its listener in flight until it returns', async () => {
    const body = interactionBody(blockAction({ user: 'U1', actionId: 'held_click', value: '1' }));
    const r = await post(body, slackHeaders(body));
    expect(r).toEqual({ status: 200, text: '' });
    expect(inFlight.size).toBe(1);
    await until(() => seen.length === 1);
    const idle = inFlight.idle();
    releaseClick();
    await idle;
    expect(seen).toEqual(['click started', 'click done']);
    // The listener's ack() still behaves as Bolt's: a second call is an error.
    expect(secondAck).toBeInstanceOf(ReceiverMultipleAckError);
  });

  it('keeps Bolt signature and replay checks: wrong secret, a timestamp over 5 minutes old, no signature: 401, no listener runs', async () => {
    const body = interactionBody(blockAction({ user: 'U1', actionId: 'held_click', value: '2' }));
    // What the listener saw before (the other tests may have run first): nothing is added here.
    const before = [...seen];
    expect((await post(body, slackHeaders(body, { secret: 'another-secret-0123456789' }))).status).toBe(401);
    expect((await post(body, slackHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }))).status).toBe(401);
    expect((await post(body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(before);
    expect(inFlight.size).toBe(0);
  });

  it('answers ssl_check unsigned and url_verification with its challenge', async () => {
    expect(await post('ssl_check=1&token=x', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({ status: 200, text: '' });
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    expect(await post(body, slackHeaders(body, { contentType: 'application/json' }))).toEqual({ status: 200, text: '{"challenge":"abc123"}' });
  });

  it('sends what a modal listener acks with (response_action errors)', async () => {
    const body = interactionBody(viewSubmission({ user: 'U1', callbackId: 'form', privateMetadata: '{}', values: {} }));
    const r = await post(body, slackHeaders(body));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ response_action: 'errors', errors: { b: 'Say more.' } });
  });

  it('answers a slash command only when its listener acks', async () => {
    let answered = false;
    const body = commandBody({ user: 'U1', text: '', command: '/held', responseUrl: 'http://127.0.0.1:9/unused' });
    const pending = post(body, slackHeaders(body)).then((r) => {
      answered = true;
      return r;
    });
    await until(() => inFlight.size === 1);
    expect(answered).toBe(false);
    releaseCommand();
    expect(await pending).toEqual({ status: 200, text: '{"text":"done"}' });
  });

  it('refuses a signed payload that is not a JSON object (400) and a body over 2 MB (413)', async () => {
    expect((await post('payload=null', slackHeaders('payload=null'))).status).toBe(400);
    expect((await post('[1]', slackHeaders('[1]', { contentType: 'application/json' }))).status).toBe(400);
    const big = `payload=${'x'.repeat(2 * 1024 * 1024 + 1)}`;
    expect((await post(big, slackHeaders(big))).status).toBe(413);
  });
});
