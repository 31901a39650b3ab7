import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack-server.js';
import { startTestApp, testEnv } from './support/app.js';
import { baseEnv } from './support/config.js';
import { createTestDatabase, usingServer, type TestDatabase } from './support/db.js';

/** A logger like start-up's, writing to a string. */
function capturingLogger(secrets: string[]) {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ level: 'info', secrets, pretty: false, destination }), text: () => text };
}

describe('DATABASE_URL secrets', () => {
  const url = 'postgres://earshot:userinfo-pass@db.internal:6543/earshot?password=secret&sslpassword=keyphrase&sslmode=require';

  it('the description names host, port and database only', async () => {
    const database = await openDatabase({ url, dataDir: './unused' });
    try {
      expect(database.description).toBe('postgres db.internal:6543/earshot');
    } finally {
      await database.close();
    }
  });

  it('the log scrubs the password and every secret-bearing parameter, wherever they appear', () => {
    const config = parseConfig({ ...baseEnv, DATABASE_URL: url });
    const log = capturingLogger(config.secrets);
    log.logger.info({ url, pg: { connectionString: url, sslkey: '/run/secrets/client.key' } }, `connecting to ${url}`);
    expect(log.text()).toContain('connecting to');
    for (const s of ['secret', 'keyphrase', 'userinfo-pass', '/run/secrets/client.key']) expect(log.text()).not.toContain(s);
  });
});

describe.skipIf(!usingServer)('DATABASE_URL with ?password= on a real server', () => {
  let slack: FakeSlack;
  let tdb: TestDatabase;

  beforeAll(async () => {
    [slack, tdb] = await Promise.all([startFakeSlack(), createTestDatabase()]);
  });
  afterAll(async () => {
    await slack?.close();
    await tdb?.drop();
  });

  it('never shows the password on /readyz or in the start-up log', async () => {
    const env = { DATABASE_URL: `${tdb.url!}?password=secret`, LOG_LEVEL: 'info' };
    const config = parseConfig(testEnv(slack, env));
    const log = capturingLogger(config.secrets);
    const app = await startTestApp({ slack, env, extra: { logger: log.logger } });
    try {
      const r = await fetch(`${app.url}/readyz`);
      const body = await r.text();
      expect(r.status).toBe(200);
      expect(body).toContain(new URL(tdb.url!).pathname.slice(1));
      expect(body).not.toContain('secret');
      expect(log.text()).toContain('database opened');
      expect(log.text()).not.toContain('secret');
    } finally {
      await app.stop();
    }
  });
});
