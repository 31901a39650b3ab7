import { loadConfig, parseDatabaseConfig } from './config/index.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createLogger } from './logger.js';

/** `npm run migrate`: applies migrations and exits. Reads only the database settings, as start-up does. */
async function main(): Promise<void> {
  const config = loadConfig(parseDatabaseConfig);
  const logger = createLogger({ level: 'info', secrets: config.secrets });
  const database = await openDatabase({ ...config.database, logger });
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
