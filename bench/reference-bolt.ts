import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { ACTION } from '../src/slack/ids.js';
import { SIGNING_SECRET } from '../test/support/slack-requests.js';

/**
 * The reference for the claim-ack figure: a bare Bolt app of the version earshot installs, on
 * Bolt's own HTTPReceiver (signature and replay checks, body parsing, the default middleware),
 * with one listener that only calls ack(). Mounted on a plain node:http server as earshot mounts
 * its receiver, and given a constant authorize (no auth.test round trip), so what differs from
 * earshot's figure is only what earshot adds on top of Bolt.
 */
export interface BareBolt {
  url: string;
  stop(): Promise<void>;
}

export async function startBareBolt(): Promise<BareBolt> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-bare', botId: 'B0BARE', botUserId: 'U0BARE' }),
    logLevel: LogLevel.ERROR,
  });
  app.action(ACTION.claim, async ({ ack }) => {
    await ack();
  });
  const server: Server = createServer((req, res) => {
    // The load generator warms its sockets on /healthz, as it does against earshot.
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    receiver.requestListener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
