import { loadDotEnv } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createLogger } from './logger.js';

/** `npm run migrate`: applies migrations and exits. Needs only DATABASE_URL (or DATA_DIR). */
async function main(): Promise<void> {
  loadDotEnv();
  const logger = createLogger({ level: 'info' });
  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || './data', logger });
  try {
    await migrateToLatest(database.db, logger);
    logger.info({ database: database.description }, 'migrations are up to date');
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error('migration failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
