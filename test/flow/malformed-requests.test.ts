import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { interactionBody, slackHeaders } from '../support/slack-requests.js';

/**
 * Requests the fault suite's fuzzing found answered with 500 or not at all: bad input gets a 4xx,
 * and nothing of it is stored.
 */

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  database = await tdb.open();
  app = await startTestApp({ slack, database });
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

async function slackPost(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<number> {
  const r = await fetch(`${app.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body, { contentType }), signal: AbortSignal.timeout(2_500) });
  await r.text();
  return r.status;
}

const mention = (text: string) => ({ source: 'facebook', id: `bad-${Math.random()}`, text, author: { handle: 'jane' }, posted_at: '2026-11-24T10:00:00Z' });

describe('the webhook refuses what Postgres cannot store', () => {
  it('NUL characters, lone surrogates and deep nesting: 400 naming the field, nothing stored', async () => {
    const nul = await app.webhook(mention('before\u0000after'));
    expect(nul.status).toBe(400);
    expect(nul.json.details).toEqual(['text: must not contain NUL characters (\\u0000) or lone UTF-16 surrogates']);
    const surrogate = await app.webhook({ mentions: [mention('ok'), { ...mention('fine'), author: { handle: 'x\ud800' } }] });
    expect(surrogate.status).toBe(400);
    expect(surrogate.json.details).toEqual(['mentions[1].author.handle: must not contain NUL characters (\\u0000) or lone UTF-16 surrogates']);
    const deep = JSON.stringify({ ...mention('deep'), extra: '<deep>' }).replace('"<deep>"', `${'['.repeat(5_000)}1${']'.repeat(5_000)}`);
    const nested = await app.webhook(null, { raw: deep });
    expect(nested.status).toBe(400);
    expect(String(nested.json.details[0])).toContain('nested more than 64 levels deep');
    const count = await database.db.selectFrom('mentions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    const huge = await app.webhook({ ...mention('big'), author: { handle: 'big', followers: Number.MAX_SAFE_INTEGER } });
    expect(huge.status).toBe(400);
    expect(huge.json.details).toEqual(['author.followers: must be at most 2147483647']);
    // Emoji (surrogate pairs) are fine.
    expect((await app.webhook(mention('where is it 😀'))).status).toBe(202);
  });
});

describe('/slack/events answers malformed but signed payloads with a 4xx, at once', () => {
  it('a payload that is not a JSON object: 400 (Bolt would throw and never answer)', async () => {
    expect(await slackPost('payload=null')).toBe(400);
    expect(await slackPost('[1,2]', 'application/json')).toBe(400);
  });

  it('a payload Bolt cannot route (view_closed without its view): 400, not 500', async () => {
    expect(await slackPost(interactionBody({ type: 'view_closed', user: { id: 'U1' }, team: { id: 'T0FAKE' } }))).toBe(400);
  });

  it('a body over 2 MB: 413', async () => {
    expect(await slackPost(`payload=${'x'.repeat(2 * 1024 * 1024 + 1)}`)).toBe(413);
  });
});
