import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../migrations/index.js';
import type { Logger } from '../logger.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Repositories take either the database or an open transaction first. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  /** true when running on the in-process embedded Postgres (PGlite). */
  embedded: boolean;
  /** Where the database is, for logs and /readyz: never a user name, password or parameter. */
  description: string;
  close(): Promise<void>;
}

// Postgres `bigint` and `numeric` arrive as strings by default; counts and ids here fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface OpenDatabaseOptions {
  /** postgres:// URL of a server. Absent: the embedded database under dataDir. */
  url?: string;
  dataDir: string;
  /** Pool size for a server (default 10). */
  poolSize?: number;
  logger?: Logger;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A dropped server connection must not crash the process: the pool discards the client
      // and the next query reconnects.
    });
    pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'database connection lost; will reconnect'));
    // pg emits 'error' on a checked-out client whose connection dies; without a listener that
    // is an uncaught exception. The query in flight still fails and the pool drops the client.
    pool.on('connect', (client) => {
      client.on('error', (err) => opts.logger?.warn({ err: err.message }, 'database connection lost during a query'));
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, embedded: false, description: `postgres ${serverAddress(opts.url)}`, close: () => db.destroy() };
  }
  const dir = resolve(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  // Postgres' own buffer cache lives in the bot's memory here (WebAssembly), and its default of
  // 128 MB was most of the embedded bot's resident memory; the operating system caches the files
  // below it anyway. 16 MB holds a small team's working set (measured: -150 MB resident).
  const pglite = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`] });
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    embedded: true,
    description: `embedded postgres (PGlite) in ${dir}`,
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

/** Postgres' buffer cache of the embedded database (see openDatabase). */
export const EMBEDDED_SHARED_BUFFERS = '16MB';

export async function migrateToLatest(db: Db, logger?: Logger): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') logger?.info({ migration: r.migrationName }, 'migration applied');
    if (r.status === 'Error') logger?.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * Host, port and database of a connection string, nothing else: the user name, the password and
 * every parameter (`?password=`, `sslkey=`, `sslpassword=`…) stay out of logs and /readyz.
 */
export function serverAddress(url: string): string {
  try {
    const u = new URL(url);
    // A Unix socket is named by the host parameter, a path and not a secret.
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
  } catch {
    return '(unparseable url)';
  }
}

/** True for errors that mean "the database is not reachable right now" (retry later), not bad SQL. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300'].includes(code)) return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|not queryable|Cannot use a pool after calling end/i.test(msg);
}
