import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { pauseChannel, reserveSlot } from '../../src/db/channel-pace.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';

/**
 * The per-channel pace lives in Postgres so every replica shares it. Asserted on the waits the
 * reservations hand out (computed by the database), never on elapsed time.
 */

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});

afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

describe('shared channel pace', () => {
  it('allows a burst, then one post per 1/rate seconds, per channel', async () => {
    // A long interval so the test's own run time cannot free a slot: 1 post per 100 s, bursts of 2.
    const spec = { intervalMs: 100_000, burstMs: 100_000 };
    expect(await reserveSlot(database.db, 'C1', spec)).toBe(0);
    expect(await reserveSlot(database.db, 'C1', spec)).toBe(0);
    const third = await reserveSlot(database.db, 'C1', spec);
    expect(third).toBeGreaterThan(90_000);
    expect(third).toBeLessThanOrEqual(100_000);
    const fourth = await reserveSlot(database.db, 'C1', spec);
    expect(fourth).toBeGreaterThan(190_000);
    expect(await reserveSlot(database.db, 'C2', spec)).toBe(0);
  });

  // A second connection to the same database needs a Postgres server (the embedded one is single-connection).
  it.skipIf(!usingServer)('is one pace for every connection (replica) to the database', async () => {
    const other = await tdb.open({ poolSize: 1 });
    try {
      const spec = { intervalMs: 100_000, burstMs: 0 };
      expect(await reserveSlot(database.db, 'C3', spec)).toBe(0);
      expect(await reserveSlot(other.db, 'C3', spec)).toBeGreaterThan(90_000);
    } finally {
      await other.close();
    }
  });

  it('a 429 pauses the channel until Retry-After has passed', async () => {
    const spec = { intervalMs: 100, burstMs: 200 };
    await pauseChannel(database.db, 'C4', 5_000, spec);
    expect(await reserveSlot(database.db, 'C4', spec)).toBeGreaterThanOrEqual(4_900);
    expect(await reserveSlot(database.db, 'C5', spec)).toBe(0);
  });
});
