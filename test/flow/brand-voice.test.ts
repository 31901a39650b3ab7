import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import type { Database } from '../../src/db/database.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { TRIAGE, startTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { xEnv } from '../support/x.js';

/** With the X user credentials set, who may speak as the brand is checked at start-up. */
let slack: FakeSlack;
let fake: FakeX;
let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  [slack, fake, tdb] = await Promise.all([startFakeSlack(), startFakeX(), createTestDatabase()]);
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await Promise.all([slack?.close(), fake?.close()]);
  await tdb?.drop();
});

const start = (over: Record<string, string | undefined> = {}) =>
  startTestApp({ slack, database, env: xEnv(fake, over, { user: true }), runQueue: false, extra: { x: { manual: true } } });

describe('the brand voice at start-up', () => {
  it('a public triage channel without a responders group is a configuration problem that says what to set', async () => {
    slack.setChannelPublic(TRIAGE);
    const err = await start().then(
      async (app) => {
        await app.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('is a public channel');
    expect((err as Error).message).toContain('Set SLACK_RESPONDERS_GROUP');
  });

  it('starts with a responders group, or with a private triage channel', async () => {
    slack.setChannelPublic(TRIAGE);
    const withGroup = await start({ SLACK_RESPONDERS_GROUP: 'SRESP01' });
    await withGroup.stop();
    slack.setChannelPublic(TRIAGE, false);
    const privateChannel = await start();
    await privateChannel.stop();
  });

  it('without the X user credentials a public channel is fine: nobody can post on X from Slack', async () => {
    slack.setChannelPublic(TRIAGE);
    const app = await startTestApp({ slack, database, env: xEnv(fake), runQueue: false, extra: { x: { manual: true } } });
    await app.stop();
  });
});
