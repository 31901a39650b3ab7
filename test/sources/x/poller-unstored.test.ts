import type { TweetV2 } from 'twitter-api-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { readState, writeState } from '../../../src/db/app-state.js';
import type { Database } from '../../../src/db/database.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import type { IncomingMention } from '../../../src/domain/mention.js';
import type { XApi, XReadResult } from '../../../src/sources/x/api.js';
import type { XCursor } from '../../../src/sources/x/cursor.js';
import { XHealth } from '../../../src/sources/x/health.js';
import { XPoller, type XPage } from '../../../src/sources/x/poller.js';
import { X_STATE_KEY } from '../../../src/sources/x/state.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

/**
 * A page X served whose posts could not be stored (the database went away between the read and
 * the write) is stored from memory on the next poll, not read from X again: X bills every read.
 */

const brand = { id: '1600000000000000001', username: 'acme' };
const post = (id: string): TweetV2 => ({ id, text: `@acme order ${id} is late`, author_id: '42', created_at: new Date().toISOString(), edit_history_tweet_ids: [id] });
const PAGE: XPage = {
  data: [post('1866000000000000102'), post('1866000000000000101')],
  includes: { users: [{ id: '42', username: 'cust', name: 'Customer', public_metrics: { followers_count: 10, following_count: 1, tweet_count: 1, listed_count: 0 } }] },
  meta: { newest_id: '1866000000000000102', oldest_id: '1866000000000000101', result_count: 2 },
};

let tdb: TestDatabase;
let database: Database;
const requests: Array<{ endpoint: string; query: Record<string, unknown> }> = [];
const ingested: string[][] = [];
let ingestFailures = 0;

const api = {
  get: (endpoint: string, _path: string, query: Record<string, unknown>): Promise<XReadResult<XPage>> => {
    requests.push({ endpoint, query });
    const first = endpoint === 'mentions' && query.since_id === undefined;
    return Promise.resolve({ ok: true, data: first ? PAGE : { meta: { result_count: 0 } } });
  },
} as unknown as XApi;

function poller(): XPoller {
  const logger = createLogger({ level: 'silent', pretty: false });
  return new XPoller({
    db: database.db,
    api,
    clock: systemClock,
    logger,
    metrics: createMetrics(),
    health: new XHealth('X', logger),
    brandUsername: brand.username,
    includeRetweets: false,
    mutedHandles: [],
    mutedWords: [],
    backfillHours: 1,
    isStopped: () => false,
    isAbandoned: () => false,
    ingest: (mentions: IncomingMention[]) => {
      if (ingestFailures > 0) {
        ingestFailures--;
        return Promise.reject(new Error('Connection terminated unexpectedly'));
      }
      ingested.push(mentions.map((m) => m.externalId));
      return Promise.resolve({ accepted: mentions.length } as never);
    },
  });
}

const firstPageReads = () => requests.filter((r) => r.endpoint === 'mentions' && r.query.since_id === undefined).length;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});
beforeEach(async () => {
  requests.length = 0;
  ingested.length = 0;
  await database.db.deleteFrom('app_state').execute();
  await writeState(database.db, X_STATE_KEY.brand, brand);
});

describe('a page read from X but not stored', () => {
  it('is stored from memory on the next poll, not read from X again', async () => {
    const p = poller();
    ingestFailures = 1;
    await expect(p.pollOnce()).rejects.toThrow(/terminated/);
    await p.pollOnce();
    expect(firstPageReads()).toBe(1);
    expect(ingested).toEqual([['1866000000000000102', '1866000000000000101']]);
    const cursor = await readState<XCursor>(database.db, X_STATE_KEY.mentionsCursor(brand.id));
    expect(cursor?.sinceId).toBe('1866000000000000102');
    // The next poll starts after the page.
    await p.pollOnce();
    expect(requests.filter((r) => r.endpoint === 'mentions').at(-1)?.query.since_id).toBe('1866000000000000102');
    expect(firstPageReads()).toBe(1);
  });

  it('is dropped when another replica moved the cursor meanwhile (it read and stored the posts itself)', async () => {
    const p = poller();
    ingestFailures = 1;
    await expect(p.pollOnce()).rejects.toThrow(/terminated/);
    const key = X_STATE_KEY.mentionsCursor(brand.id);
    const c = await readState<XCursor>(database.db, key);
    await writeState(database.db, key, { ...c!, sinceId: '1866000000000000102' });
    await p.pollOnce();
    expect(ingested).toEqual([]);
    expect(requests.filter((r) => r.endpoint === 'mentions').at(-1)?.query.since_id).toBe('1866000000000000102');
  });
});
