/**
 * A fake of Slack's Socket Mode, beside the fake Web API: `apps.connections.open` (app token,
 * `xapp-…`) answers a ws:// URL on this server; each WebSocket gets `hello`, then envelopes
 * (`events_api`, `interactive`, `slash_commands`) that the app must ack with their `envelope_id`
 * within 3 s; `disconnect` messages (`refresh_requested`, `link_disabled`) and dropped links.
 * Protocol as implemented by @slack/socket-mode 2.x (SocketModeClient.onWebSocketMessage).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeSlack } from './slack-server.js';
import { FAKE_APP_ID, FAKE_TEAM_ID } from './slack-server.js';
import { PATIENT_MS } from '../support/patience.js';

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

export interface SentEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  connection: number;
  payload: Record<string, unknown>;
  retry_attempt: number;
  /** The ack's payload (Bolt sends `{}` or the response), once acked. */
  ack?: Record<string, unknown>;
  ackedAfterMs?: number;
}

export interface FakeSocketMode {
  /** Open WebSocket links, by connection number. */
  readonly open: number[];
  /** Links ever opened (hello sent). */
  readonly opened: number;
  readonly envelopes: SentEnvelope[];
  /**
   * Sends an envelope to one open link (round robin); resolves when acked, rejects after `ackMs`.
   * Slack's deadline is 3 s, and the app counts envelopes it did not ack within its own (3 s); a
   * test about that deadline passes `ackMs`. The default waits PATIENT_MS, so an ack a loaded
   * machine delays does not fail a test about something else.
   */
  send(type: EnvelopeType, payload: Record<string, unknown>, o?: { retryAttempt?: number; ackMs?: number }): Promise<SentEnvelope>;
  /** An Events API envelope around `event`; the event_id stays the same across retries. */
  event(event: Record<string, unknown>, o?: { eventId?: string; retryAttempt?: number; ackMs?: number }): Promise<SentEnvelope>;
  /** A `disconnect` message to every open link, or to one (the client closes the link after it). */
  disconnect(reason: 'refresh_requested' | 'link_disabled' | 'warning', connection?: number): void;
  /** Drops every TCP link without a close frame. */
  drop(): void;
  /** From now on apps.connections.open answers `invalid_auth` (a revoked app token), or works again. */
  refuseAppToken(refuse: boolean): void;
  waitFor(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(slack: FakeSlack): Promise<FakeSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const links = new Map<number, WebSocket>();
  const tickets = new Set<string>();
  const waiting = new Map<string, { resolve: (e: SentEnvelope) => void; envelope: SentEnvelope; at: number }>();
  const envelopes: SentEnvelope[] = [];
  let opened = 0;
  let next = 0;
  let refused = false;

  slack.handle('apps.connections.open', () => {
    if (refused) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    tickets.add(ticket);
    return { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${FAKE_APP_ID}` };
  });

  wss.on('connection', (ws, req) => {
    const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
    // A ticket is good for one link, as Slack's are.
    if (!tickets.delete(ticket)) return ws.close(4001, 'invalid ticket');
    const id = ++opened;
    links.set(id, ws);
    ws.on('close', () => links.delete(id));
    ws.on('message', (raw) => {
      let msg: { envelope_id?: string; payload?: Record<string, unknown> };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        return;
      }
      const w = msg.envelope_id ? waiting.get(msg.envelope_id) : undefined;
      if (!w) return;
      waiting.delete(msg.envelope_id!);
      w.envelope.ack = msg.payload ?? {};
      w.envelope.ackedAfterMs = Date.now() - w.at;
      w.resolve(w.envelope);
    });
    ws.send(JSON.stringify({
      type: 'hello',
      num_connections: links.size,
      debug_info: { host: 'fake-socket-mode', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: FAKE_APP_ID },
    }));
  });

  const api: FakeSocketMode = {
    get open() {
      return [...links.keys()];
    },
    get opened() {
      return opened;
    },
    envelopes,
    send(type, payload, o = {}) {
      const ids = [...links.keys()].filter((k) => links.get(k)!.readyState === links.get(k)!.OPEN);
      if (ids.length === 0) return Promise.reject(new Error('fake socket mode: no open link to send to'));
      const connection = ids[next++ % ids.length]!;
      const envelope: SentEnvelope = { envelope_id: randomUUID(), type, connection, payload, retry_attempt: o.retryAttempt ?? 0 };
      const ackMs = o.ackMs ?? PATIENT_MS;
      envelopes.push(envelope);
      return new Promise<SentEnvelope>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelope.envelope_id);
          reject(new Error(`fake socket mode: envelope ${envelope.envelope_id} (${type}) not acked within ${ackMs} ms`));
        }, ackMs);
        waiting.set(envelope.envelope_id, {
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
          envelope,
          at: Date.now(),
        });
        links.get(connection)!.send(JSON.stringify({
          envelope_id: envelope.envelope_id,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api' ? { retry_attempt: envelope.retry_attempt, retry_reason: envelope.retry_attempt > 0 ? 'timeout' : '' } : {}),
        }));
      });
    },
    event(event, o = {}) {
      const payload = {
        token: 'legacy',
        team_id: FAKE_TEAM_ID,
        api_app_id: FAKE_APP_ID,
        event,
        type: 'event_callback',
        event_id: o.eventId ?? `Ev${randomUUID().slice(0, 8)}`,
        event_time: Math.floor(Date.now() / 1000),
      };
      return api.send('events_api', payload, { retryAttempt: o.retryAttempt, ackMs: o.ackMs });
    },
    disconnect(reason, connection) {
      for (const [id, ws] of links) if (connection === undefined || id === connection) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-socket-mode' } }));
    },
    drop() {
      for (const ws of links.values()) ws.terminate();
    },
    refuseAppToken(refuse) {
      refused = refuse;
    },
    async waitFor(pred, what, timeoutMs = PATIENT_MS) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`fake socket mode: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const ws of links.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return api;
}
