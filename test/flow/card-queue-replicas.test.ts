import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, usingServer, type TestDatabase } from '../support/db.js';

/**
 * Slack's posting limit is per channel: three replicas (each its own app and connection pool)
 * draining one burst into one channel share one pace through Postgres, so together they stay
 * under the limit. Paced per process, they would send three times the limit and most of the
 * burst would come back as 429s. Counts only, no timing thresholds (the bench measures the rate).
 */

let slack: FakeSlack;
let tdb: TestDatabase;
const pools: Database[] = [];
const apps: TestApp[] = [];

beforeAll(async () => {
  if (!usingServer) return;
  [slack, tdb] = await Promise.all([startFakeSlack({ postMessage: { perSecond: 20, burst: 3 } }), createTestDatabase()]);
  for (let i = 0; i < 3; i++) pools.push(await tdb.open({ poolSize: 4 }));
  for (const database of pools) apps.push(await startTestApp({ slack, database, env: { SLACK_POSTS_PER_SECOND: '20' } }));
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await Promise.all(pools.map((p) => p.close()));
  await slack?.close();
  await tdb?.drop();
});

// Several replicas need several connections to one database: a Postgres server (the embedded one is
// single-connection, in-process); CI runs this on the local server.
describe.skipIf(!usingServer)('three replicas, one channel', () => {
  it('a burst of 90 cards: each posted once, far fewer 429s than per-process pacing would draw', async () => {
    const batch = Array.from({ length: 90 }, () => sampleMention());
    const r = await apps[0]!.webhook({ mentions: batch });
    expect(r.json.accepted).toBe(90);
    const ids = new Set((await pools[0]!.db.selectFrom('mentions').select('id').execute()).map((m) => m.id));
    const mine = () => slack.topLevel(TRIAGE).filter((x) => ids.has((x.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id ?? -1));
    await slack.waitFor(() => mine().length >= 90, 60_000, '90 cards');
    expect(new Set(mine().map((x) => (x.metadata?.event_payload as { mention_id: number }).mention_id)).size).toBe(90);
    expect(mine()).toHaveLength(90);
    // Every replica took part.
    const posters = await pools[0]!.db.selectFrom('slack_jobs').select('locked_by').distinct().where('kind', '=', 'post_card').execute();
    expect(posters.length).toBeGreaterThan(1);
    // Paced per process, three replicas would send three times the limit: two posts in three would
    // draw a 429 (60 or more of 90, before their retries). Shared, a quiet machine sees none; only
    // posts that leave bunched after an event-loop stall can, so the bound leaves room for a loaded
    // machine and still tells the two apart.
    expect(slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBeLessThan(30);
  });
});
