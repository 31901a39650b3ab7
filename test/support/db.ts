import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Database } from '../../src/db/database.js';

export interface TestDatabase {
  /** postgres:// URL of this test's database on the server; undefined on the embedded one. */
  url?: string;
  /** Directory of the embedded database (reopen it to simulate a restart). */
  dataDir: string;
  /** Opens a (new) connection to the test database, migrated. */
  open(opts?: { poolSize?: number }): Promise<Database>;
  /** Drops the database / deletes the directory. */
  drop(): Promise<void>;
}

let counter = 0;

export const usingServer = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, empty database for one test file: a new database on the TEST_DATABASE_URL server,
 * or a new embedded Postgres directory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = process.env.TEST_DATABASE_URL;
  const dataDir = mkdtempSync(join(tmpdir(), 'earshot-test-'));
  if (!admin) {
    return {
      dataDir,
      open: async () => {
        const d = await openDatabase({ dataDir });
        await migrateToLatest(d.db);
        return d;
      },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `earshot_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`create database ${name}`);
  await adminClient.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    url,
    dataDir,
    open: async (opts) => {
      const d = await openDatabase({ url, dataDir, poolSize: opts?.poolSize ?? 10 });
      await migrateToLatest(d.db);
      return d;
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
