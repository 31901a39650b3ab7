import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { cachedFor } from './probe-cache.js';
import { sendJson, sendText } from './respond.js';
import { handleWebhook, type WebhookDeps } from './webhook.js';

export interface ReadinessCheck {
  name: string;
  /** Required checks make /readyz answer 503 when they fail. */
  required: boolean;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export interface HttpDeps {
  logger: Logger;
  metrics: Metrics;
  slackEvents?: RequestListener;
  webhook?: WebhookDeps;
  readiness: ReadinessCheck[];
  /** Refreshes gauges before /metrics is read. */
  beforeMetrics?: () => Promise<void>;
  /** How long one gauge refresh serves every /metrics request (default 2 s). */
  probeCacheMs?: number;
  /**
   * How long one /readyz answer serves every request (default 500 ms): short, because a load
   * balancer must see a lost database at its next probe; long enough that a flood costs a couple
   * of queries a second. Failures are never reused.
   */
  readyCacheMs?: number;
}

/** One server on PORT in both Slack modes: Slack events (HTTP mode), the webhook, health, metrics. */
export function createHttpServer(deps: HttpDeps): Server {
  const ready = cachedFor(deps.readyCacheMs ?? 500, () => readiness(deps.readiness), (r) => r.ready);
  const gauges = cachedFor(deps.probeCacheMs ?? 2_000, () => deps.beforeMetrics?.() ?? Promise.resolve());
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${url}`;
    const fail = (err: unknown) => {
      deps.logger.error({ err, route }, 'request failed');
      sendJson(res, 500, { error: 'internal error; it has been logged', details: [] });
    };
    try {
      switch (route) {
        case 'POST /slack/events':
          if (!deps.slackEvents) return sendJson(res, 404, { error: 'Slack events arrive over Socket Mode in this deployment', details: [] });
          return deps.slackEvents(req, res);
        case 'POST /ingest/mentions':
          if (!deps.webhook) return sendJson(res, 404, { error: 'the webhook is off: set INGEST_WEBHOOK_SECRET to enable it', details: [] });
          return void handleWebhook(req, res, deps.webhook).catch(fail);
        case 'GET /healthz':
          return sendJson(res, 200, { status: 'ok' });
        case 'GET /readyz':
          return void ready()
            .then((r) => sendJson(res, r.ready ? 200 : 503, r))
            .catch(fail);
        case 'GET /metrics':
          return void gauges()
            .catch(() => undefined)
            .then(() => deps.metrics.registry.metrics())
            .then((text) => sendText(res, 200, text, deps.metrics.registry.contentType))
            .catch(fail);
        default:
          return sendJson(res, 404, { error: `no route for ${route}`, details: [] });
      }
    } catch (err) {
      fail(err);
    }
  });
  // Slack retries after 3 s; keep sockets from lingering behind a load balancer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  return server;
}

async function readiness(checks: ReadinessCheck[]) {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        const r = await withTimeout(c.check(), 3_000);
        return { name: c.name, required: c.required, ...r };
      } catch (err) {
        return { name: c.name, required: c.required, ok: false, detail: (err as Error).message };
      }
    }),
  );
  return { ready: results.every((r) => r.ok || !r.required), checks: results };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
