import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** /readyz and /metrics are unauthenticated: a flood of them must cost (almost) nothing. */
let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
let queries = 0;

beforeAll(async () => {
  [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  database = await tdb.open();
  // Every query the app sends through its database handle is counted.
  const counting: KyselyPlugin = {
    transformQuery: (args) => {
      queries++;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
  const counted: Database = { ...database, db: database.db.withPlugin(counting), close: () => database.close() };
  // A cache longer than the flood takes on a busy machine: the count then shows the caching and
  // the shared computation, not how fast this machine is (production: 2 s for /metrics, 500 ms for /readyz).
  app = await startTestApp({ slack, database: counted, runQueue: false, extra: { probeCacheMs: 3_600_000, readyCacheMs: 3_600_000 } });
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
});

/** `n` GETs, `parallel` at a time; resolves with the statuses. */
async function flood(path: string, n: number, parallel = 50): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        const r = await fetch(`${app.url}${path}`);
        await r.text();
        statuses.push(r.status);
      }
    }),
  );
  return statuses;
}

// A flood of 1,000 requests took over a minute with a busy process on each core: the limit is the
// harness's (no time is asserted), so it is generous.
const FLOOD_TIMEOUT_MS = 300_000;

describe('probes under a flood', () => {
  it('1,000 /metrics requests cost at most a handful of database queries', async () => {
    const before = queries;
    const statuses = await flood('/metrics', 1_000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(queries - before).toBeLessThanOrEqual(5);
    expect(queries - before).toBeGreaterThan(0);
  }, FLOOD_TIMEOUT_MS);

  it('1,000 /readyz requests cost at most a handful of database queries and Slack calls', async () => {
    const before = queries;
    const slackBefore = slack.calls.filter((c) => c.method === 'auth.test').length;
    const statuses = await flood('/readyz', 1_000);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(queries - before).toBeLessThanOrEqual(5);
    expect(slack.calls.filter((c) => c.method === 'auth.test').length - slackBefore).toBeLessThanOrEqual(5);
  }, FLOOD_TIMEOUT_MS);
});
