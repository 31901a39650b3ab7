import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { isConnectionError } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { IngestResult } from '../services/ingest.js';
import type { IncomingMention } from '../domain/mention.js';
import { MAX_WEBHOOK_BYTES, parseWebhookBody, verifyWebhookSignature } from '../sources/webhook.js';
import { BodyTooLarge, readBody } from './body.js';
import { sendJson } from './respond.js';

export interface WebhookDeps {
  secret: string;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  ingest: (mentions: IncomingMention[]) => Promise<IngestResult>;
}

/** POST /ingest/mentions: verify, validate all, store all or nothing. */
export async function handleWebhook(req: IncomingMessage, res: ServerResponse, deps: WebhookDeps): Promise<void> {
  const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
    deps.metrics.webhookRequests.inc({ status: String(status) });
    sendJson(res, status, body, headers);
  };
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_WEBHOOK_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      answer(413, { error: `body too large: at most ${MAX_WEBHOOK_BYTES} bytes (1 MB); send fewer mentions per request`, details: [] }, { connection: 'close' });
      req.resume();
      return;
    }
    throw err;
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const check = verifyWebhookSignature(deps.secret, { timestamp: header('x-earshot-timestamp'), signature: header('x-earshot-signature') }, raw, deps.clock.now());
  if (!check.ok) {
    answer(401, { error: check.error, details: [] });
    return;
  }
  const parsed = parseWebhookBody(raw);
  if (!parsed.ok) {
    answer(400, { error: parsed.error, details: parsed.details });
    return;
  }
  try {
    const r = await deps.ingest(parsed.mentions);
    answer(202, { accepted: r.accepted, duplicates: r.duplicates });
  } catch (err) {
    if (isConnectionError(err)) {
      deps.logger.warn({ err: (err as Error).message }, 'webhook: database unreachable; asked the sender to retry');
      answer(503, { error: 'database unavailable; nothing was stored, retry later', details: [] }, { 'retry-after': '5' });
      return;
    }
    throw err;
  }
}
