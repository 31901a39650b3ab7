import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/sources/webhook.js';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { BOT_TOKEN, TRIAGE, WEBHOOK_SECRET, sampleMention, startTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { SIGNING_SECRET, blockAction } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SLOW_SLACK_MS = 1_500;

let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
});

afterAll(async () => {
  await slack?.close();
});

/** The env that points earshot at its own database (it opens, migrates and closes it itself). */
function databaseEnv(tdb: TestDatabase): Record<string, string> {
  return tdb.url ? { DATABASE_URL: tdb.url } : { DATA_DIR: tdb.dataDir };
}

const cardOf = (mentionId: number) => slack.topLevel(TRIAGE).find((m) => (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id === mentionId);

describe('earshot.stop()', () => {
  it('stops taking work, finishes a listener and a queue item in flight, then closes the database, within 10 s', async () => {
    const tdb = await createTestDatabase();
    try {
      const app = await startTestApp({ slack, env: databaseEnv(tdb) });
      const first = sampleMention();
      expect((await app.webhook(first)).status).toBe(202);
      const firstRow = await app.database.db.selectFrom('mentions').select(['id']).where('external_id', '=', String(first.id)).executeTakeFirstOrThrow();
      await slack.waitFor(() => cardOf(firstRow.id) !== undefined, PATIENT_MS, 'first card');
      const cardTs = cardOf(firstRow.id)!.ts;
      // A first click outside the measurement (the app looks up its own identity once).
      await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(firstRow.id), messageTs: cardTs, channel: TRIAGE }));
      await app.handlers.idle();
      const pendingJobs = async () =>
        Number((await app.database.db.selectFrom('slack_jobs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n);
      const settled = Date.now() + PATIENT_MS;
      while (Date.now() < settled && ((await pendingJobs()) > 0 || app.queue.busy > 0)) await new Promise((r) => setTimeout(r, 20));
      expect(await pendingJobs()).toBe(0);

      slack.setLatency(SLOW_SLACK_MS);
      // A queue item in flight: a new card being posted to a slow Slack.
      const second = sampleMention();
      expect((await app.webhook(second)).status).toBe(202);
      await slack.waitFor(() => app.queue.busy > 0, PATIENT_MS, 'card post in flight');
      // A listener in flight: Escalate was acked; the handler is still opening the modal on slow Slack.
      const click = await app.interact(blockAction({ user: 'UBOB', actionId: ACTION.escalate, value: String(firstRow.id), messageTs: cardTs, channel: TRIAGE }));
      expect(click.status).toBe(200);
      expect(app.handlers.size).toBeGreaterThan(0);
      const opened = slack.okCalls('views.open').length;

      const t0 = performance.now();
      await app.stop();
      const ms = performance.now() - t0;

      expect(ms).toBeLessThan(10_000);
      // Both pieces of work finished against the slow Slack instead of being cut off.
      expect(slack.okCalls('views.open').length).toBe(opened + 1);
      expect(app.handlers.size).toBe(0);
      expect(app.queue.busy).toBe(0);
      // No longer taking work, and the database is closed.
      await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
      await expect(app.database.db.selectFrom('mentions').select('id').execute()).rejects.toThrow();

      slack.setLatency(0);
      const db = await tdb.open();
      try {
        const row = await db.db.selectFrom('mentions').select(['id', 'card_ts']).where('external_id', '=', String(second.id)).executeTakeFirstOrThrow();
        expect(row.card_ts).toBeTruthy();
        expect(cardOf(row.id)?.ts).toBe(row.card_ts);
        const job = await db.db.selectFrom('slack_jobs').select(['status']).where('mention_id', '=', row.id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
        expect(job.status).toBe('done');
      } finally {
        await db.close();
      }
    } finally {
      slack.setLatency(0);
      await tdb.drop();
    }
  });
});

/** Forwards every request to the fake Slack and says when a given Web API method arrives. */
async function startArrivalProxy(target: string) {
  const arrived: string[] = [];
  const server = http.createServer((req, res) => {
    arrived.push(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
      fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
        .then(async (r) => {
          res.writeHead(r.status, Object.fromEntries([...r.headers].filter(([k]) => !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k))));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    arrivals: (method: string) => arrived.filter((u) => u.startsWith(`/api/${method}`)).length,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('SIGTERM (the process, as Docker and Kubernetes stop it)', () => {
  it('exits 0 within 10 s after finishing the card being posted', async () => {
    const tdb = await createTestDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'earshot-sigterm-')); // no stray .env
    const proxy = await startArrivalProxy(slack.baseUrl);
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'src/main.ts')], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_MODE: 'http',
        SLACK_API_URL: proxy.url,
        SLACK_TRIAGE_CHANNEL: TRIAGE,
        INGEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PORT: '0',
        LOG_LEVEL: 'info',
        ...databaseEnv(tdb),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await slack.waitFor(() => /"port":\d+/.test(out) || child.exitCode !== null, 45_000, 'earshot listening');
      const port = Number(/"port":(\d+)/.exec(out)?.[1]);
      expect(port, out).toBeGreaterThan(0);

      slack.setLatency(SLOW_SLACK_MS);
      const m = sampleMention();
      const body = JSON.stringify(m);
      const ts = Math.floor(Date.now() / 1000);
      const r = await fetch(`http://127.0.0.1:${port}/ingest/mentions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-earshot-timestamp': String(ts), 'x-earshot-signature': signWebhook(WEBHOOK_SECRET, ts, body) },
      });
      expect(r.status).toBe(202);
      await slack.waitFor(() => proxy.arrivals('chat.postMessage') > 0, PATIENT_MS, 'card post reached Slack');

      const t0 = performance.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      const ms = performance.now() - t0;

      expect(code, out).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(ms).toBeGreaterThan(SLOW_SLACK_MS / 3); // it waited for the slow post
      expect(out).toContain('stopped cleanly');
      expect(slack.okCalls('chat.postMessage').some((c) => String(c.args.text ?? '').includes(String(m.text)))).toBe(true);
      const db = await tdb.open();
      try {
        const row = await db.db.selectFrom('mentions').select(['id', 'card_ts']).where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
        expect(row.card_ts).toBeTruthy();
        const job = await db.db.selectFrom('slack_jobs').select('status').where('mention_id', '=', row.id).where('kind', '=', 'post_card').executeTakeFirstOrThrow();
        expect(job.status).toBe('done');
      } finally {
        await db.close();
      }
    } finally {
      slack.setLatency(0);
      if (child.exitCode === null) child.kill('SIGKILL');
      await proxy.close();
      rmSync(cwd, { recursive: true, force: true });
      await tdb.drop();
    }
  });
});
