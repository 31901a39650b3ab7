import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, serverAddress, type Database } from '../src/db/database.js';
import { REPO_ROOT } from '../test/support/bot-process.js';

/**
 * Where the bench keeps its data. With TEST_DATABASE_URL (the tests' variable; never the bot's own
 * DATABASE_URL, so a bench cannot create databases on a production server): databases on that server
 * — `earshot_bench` holds the million-row seed and is reused between runs, scratch databases are
 * created and dropped per measurement. Without: the embedded Postgres (PGlite), the seed under
 * `.bench-cache/embedded`, scratch databases in temporary directories.
 */
export interface BenchDatabases {
  kind: 'server' | 'embedded';
  /** For the output: where, without credentials, and the server version. */
  description: string;
  version: string;
  /** A reused database for a million-row seed (opened and migrated): 'sla' (earshot_bench), 'stats' (earshot_bench_stats). */
  openSeed(name: SeedName): Promise<Database>;
  /** A throwaway copy of a seed database (for work that writes to it); `drop` removes it. Close the seed first. */
  cloneSeed(name: SeedName): Promise<Scratch>;
  /** A fresh, empty, migrated database. */
  scratch(label: string): Promise<Scratch>;
  /** Environment for a child process using this scratch database. */
  childEnv(s: Scratch): Record<string, string>;
}

export interface Scratch {
  database: Database;
  url?: string;
  dataDir?: string;
  /** Closes this process's handle (an embedded database can then be opened by a child). */
  close(): Promise<void>;
  /** Closes the handle (if still open) and removes the database. */
  drop(): Promise<void>;
}

export type SeedName = 'sla' | 'stats';

/**
 * The first part of every server database the bench makes (BENCH_DB_PREFIX, default
 * `earshot_bench`): two checkouts benching on one server at once keep to their own databases.
 */
const prefix = () => (process.env.BENCH_DB_PREFIX ?? 'earshot_bench').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
const SEED_DB: Record<SeedName, () => string> = { sla: () => prefix(), stats: () => `${prefix()}_stats` };

/**
 * `prefer`: 'embedded' ignores the database variables, 'server' requires one. `seedSuffix` names
 * seeds of a non-default size apart (earshot_bench_20000), so they never replace the default ones.
 */
export async function benchDatabases(o: { prefer?: 'server' | 'embedded' | 'auto'; seedSuffix?: string } = {}): Promise<BenchDatabases> {
  const suffix = o.seedSuffix ? `_${o.seedSuffix.replace(/[^a-z0-9_]/gi, '_')}` : '';
  return benchDatabaseKind(o.prefer) === 'server' ? serverDatabases(adminUrl()!, suffix) : embeddedDatabases(suffix);
}

const adminUrl = () => process.env.TEST_DATABASE_URL;

/** Which database `benchDatabases` will open, without opening it. */
export function benchDatabaseKind(prefer: 'server' | 'embedded' | 'auto' = 'auto'): 'server' | 'embedded' {
  if (prefer === 'server' && !adminUrl()) throw new Error('--db=server: set TEST_DATABASE_URL');
  return adminUrl() && prefer !== 'embedded' ? 'server' : 'embedded';
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery<T extends pg.QueryResultRow>(admin: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function serverDatabases(admin: string, suffix: string): Promise<BenchDatabases> {
  const seedDb = (name: SeedName) => `${SEED_DB[name]()}${suffix}`;
  const [v] = await adminQuery<{ server_version: string }>(admin, 'show server_version');
  let counter = 0;
  const exists = async (name: string) => (await adminQuery(admin, 'select 1 from pg_database where datname = $1', [name])).length > 0;
  const scratchNamed = async (name: string, template?: string): Promise<Scratch> => {
    await adminQuery(admin, `drop database if exists ${name} with (force)`);
    await adminQuery(admin, `create database ${name}${template ? ` template ${template}` : ''}`);
    const url = withDatabase(admin, name);
    const database = await openDatabase({ url, dataDir: tmpdir(), poolSize: 10 });
    await migrateToLatest(database.db);
    let open = true;
    return {
      database,
      url,
      close: async () => {
        if (open) await database.close();
        open = false;
      },
      drop: async () => {
        if (open) await database.close();
        open = false;
        await adminQuery(admin, `drop database if exists ${name} with (force)`);
      },
    };
  };
  return {
    kind: 'server',
    description: `postgres ${serverAddress(admin)}`,
    version: `PostgreSQL ${v?.server_version ?? '?'}`,
    async openSeed(name) {
      if (!(await exists(seedDb(name)))) await adminQuery(admin, `create database ${seedDb(name)}`);
      const database = await openDatabase({ url: withDatabase(admin, seedDb(name)), dataDir: tmpdir(), poolSize: 10 });
      await migrateToLatest(database.db);
      return database;
    },
    // A copy by template is a file copy on the server: seconds, however many rows.
    cloneSeed: (name) => scratchNamed(`${seedDb(name)}_copy_${process.pid}_${counter++}`, seedDb(name)),
    scratch: (label) => scratchNamed(`${prefix()}_${label.replace(/[^a-z0-9_]/gi, '_')}_${process.pid}_${counter++}`),
    childEnv: (s) => ({ DATABASE_URL: s.url! }),
  };
}

async function embeddedDatabases(suffix: string): Promise<BenchDatabases> {
  const seedDir = (name: SeedName) => join(REPO_ROOT, '.bench-cache', `embedded-${name}${suffix}`);
  const { PGlite } = await import('@electric-sql/pglite');
  const probe = await PGlite.create();
  const r = await probe.query<{ server_version: string }>('show server_version');
  await probe.close();
  const scratchIn = async (dir: string): Promise<Scratch> => {
    const database = await openDatabase({ dataDir: dir });
    await migrateToLatest(database.db);
    let open = true;
    return {
      database,
      dataDir: dir,
      close: async () => {
        if (open) await database.close();
        open = false;
      },
      drop: async () => {
        if (open) await database.close();
        open = false;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  return {
    kind: 'embedded',
    description: `embedded postgres (PGlite): seeds in ${join(REPO_ROOT, '.bench-cache')}, scratch databases in ${tmpdir()}`,
    version: `PostgreSQL ${r.rows[0]?.server_version ?? '?'} (PGlite)`,
    async openSeed(name) {
      mkdirSync(seedDir(name), { recursive: true });
      const database = await openDatabase({ dataDir: seedDir(name) });
      await migrateToLatest(database.db);
      return database;
    },
    // The seed must be closed while its directory is copied.
    async cloneSeed(name) {
      const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-copy-'));
      if (existsSync(seedDir(name))) cpSync(seedDir(name), dir, { recursive: true });
      return scratchIn(dir);
    },
    scratch: () => scratchIn(mkdtempSync(join(tmpdir(), 'earshot-bench-'))),
    childEnv: (s) => ({ DATA_DIR: s.dataDir! }),
  };
}
