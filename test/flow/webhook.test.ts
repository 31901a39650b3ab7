import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/database.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { usingServer, type TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow());
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

const count = async () => Number((await database.db.selectFrom('mentions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function rawPost(path: string, body: string, headers: Record<string, string>) {
  const r = await fetch(`${app.url}${path}`, { method: 'POST', body, headers });
  return { status: r.status, json: (await r.json().catch(() => undefined)) as any };
}

describe('POST /ingest/mentions', () => {
  it('refuses a mention under a source earshot reads itself (x, any case) with 400 saying why, and stores nothing', async () => {
    const before = await count();
    for (const source of ['x', 'X']) {
      const r = await app.webhook(sampleMention({ source }));
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.json)).toContain('source earshot reads itself');
    }
    expect(await count()).toBe(before);
  });

  it('accepts one mention or a batch and counts duplicates', async () => {
    const a = sampleMention();
    const b = sampleMention();
    expect((await app.webhook(a)).json).toEqual({ accepted: 1, duplicates: 0 });
    expect((await app.webhook({ mentions: [a, b] })).json).toEqual({ accepted: 1, duplicates: 1 });
  });

  it('rejects a wrong signature, a stale timestamp and a missing signature with 401 and stores nothing', async () => {
    const before = await count();
    const wrong = await app.webhook(sampleMention(), { secret: 'not-the-secret-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/signature/i);
    const stale = await app.webhook(sampleMention(), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.json.error).toMatch(/timestamp/i);
    const unsigned = await rawPost('/ingest/mentions', JSON.stringify(sampleMention()), { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error).toMatch(/X-Earshot-Timestamp/);
    expect(await count()).toBe(before);
  });

  it('answers 400 naming the problem for malformed JSON and for each missing or bad field; nothing stored', async () => {
    const before = await count();
    const bad = await app.webhook(undefined, { raw: '{"source": "facebook", ' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not valid JSON/);
    const good = sampleMention();
    const missing = { ...sampleMention(), text: undefined, posted_at: 'yesterday', author: { name: 'No Handle' } };
    const r = await app.webhook({ mentions: [good, missing] });
    expect(r.status).toBe(400);
    expect(r.json.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mentions\[1\]\.text: /),
        expect.stringMatching(/^mentions\[1\]\.posted_at: must be an ISO 8601 timestamp/),
        expect.stringMatching(/^mentions\[1\]\.author\.handle: /),
      ]),
    );
    // The good mention of the rejected request was not stored either.
    expect(await count()).toBe(before);
    const noSource = await app.webhook({ ...sampleMention(), source: undefined });
    expect(noSource.status).toBe(400);
    expect(noSource.json.details).toEqual([expect.stringMatching(/^source: /)]);
  });

  it('takes the conversation fields, and answers 400 naming the field when one is malformed; nothing stored', async () => {
    const first = sampleMention();
    const followUp = sampleMention({ in_reply_to: first.id, conversation_id: String(first.id) });
    expect((await app.webhook({ mentions: [first, followUp] })).json).toEqual({ accepted: 2, duplicates: 0 });
    const before = await count();
    const noTarget = await app.webhook({ mentions: [sampleMention(), sampleMention({ direction: 'outbound', author: { handle: 'acme' } })] });
    expect(noTarget.status).toBe(400);
    expect(noTarget.json.details).toEqual(['mentions[1].in_reply_to: an outbound post must say which post it answers (in_reply_to)']);
    const badDirection = await app.webhook(sampleMention({ direction: 'out', in_reply_to: 42 }));
    expect(badDirection.status).toBe(400);
    expect(badDirection.json.details).toEqual([expect.stringMatching(/^direction: must be "inbound" \(the default\) or "outbound"/)]);
    const badThread = await app.webhook(sampleMention({ conversation_id: ['t'] }));
    expect(badThread.status).toBe(400);
    expect(badThread.json.details).toEqual([expect.stringMatching(/^conversation_id: /)]);
    expect(await count()).toBe(before);
  });

  it('answers 413 for a body over 1 MB and stores nothing', async () => {
    const before = await count();
    const big = { mentions: Array.from({ length: 300 }, () => sampleMention({ text: 'x'.repeat(4000) })) };
    const r = await app.webhook(big);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/too large/);
    expect(await count()).toBe(before);
  });

  it('says when the webhook is off and where health lives', async () => {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    const nope = await fetch(`${app.url}/nowhere`);
    expect(nope.status).toBe(404);
  });
});

describe.skipIf(!usingServer)('database unreachable (needs a Postgres server)', () => {
  it('answers 503 with Retry-After, stays up, and recovers when the database returns', async () => {
    const target = new URL(tdb.url!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(tdb.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const db2 = await openDatabase({ url: viaProxy.toString(), dataDir: tdb.dataDir, poolSize: 4 });
    const fragile = await startTestApp({ slack, database: db2 });
    try {
      expect((await fragile.webhook(sampleMention())).status).toBe(202);
      await proxy.cut();
      const m = sampleMention();
      const down = await fragile.webhook(m);
      expect(down.status).toBe(503);
      expect(down.json.error).toMatch(/database unavailable/);
      expect((await fetch(`${fragile.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${fragile.url}/readyz`);
      expect(ready.status).toBe(503);
      await proxy.restore();
      const again = await fragile.webhook(m);
      expect(again.status).toBe(202);
      expect(again.json).toEqual({ accepted: 1, duplicates: 0 });
    } finally {
      await fragile.stop();
      await db2.close();
      await proxy.close();
    }
  });
});
