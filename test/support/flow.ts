import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startTestApp, type TestApp } from './app.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** What a flow test file runs against: a fake Slack, its own database, and the real app. */
export interface Flow {
  slack: FakeSlack;
  tdb: TestDatabase;
  database: Database;
  app: TestApp;
}

/** Starts a flow: `prepare` sets up the fake Slack (users, groups, members) before the app starts. */
export async function startFlow(o: { env?: Record<string, string | undefined>; prepare?: (slack: FakeSlack) => void } = {}): Promise<Flow> {
  const slack = await startFakeSlack();
  o.prepare?.(slack);
  const tdb = await createTestDatabase();
  const database = await tdb.open();
  const app = await startTestApp({ slack, database, env: o.env });
  return { slack, tdb, database, app };
}

/** Stops what startFlow started, in reverse order; tolerates a flow that failed half-way. */
export async function stopFlow(f: Partial<Flow>): Promise<void> {
  await f.app?.stop();
  await f.database?.close();
  await f.slack?.close();
  await f.tdb?.drop();
}
