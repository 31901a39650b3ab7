import pg from 'pg';

/**
 * Runs once before the suite. With TEST_DATABASE_URL the suite runs on that Postgres server
 * (each test file in a database of its own); without it, on the embedded Postgres (PGlite).
 */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.log('[earshot tests] database: embedded Postgres (PGlite); set TEST_DATABASE_URL to use a server');
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const r = await client.query<{ version: string }>('select version()');
    console.log(`[earshot tests] database: server at ${url.replace(/:[^:@/]+@/, ':***@')} (${r.rows[0]?.version.split(' ').slice(0, 2).join(' ')})`);
  } catch (err) {
    throw new Error(`TEST_DATABASE_URL is set but the server does not answer: ${(err as Error).message}. Unset it to use the embedded database.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
