import { ConfigError, loadDotEnv, parseConfig } from './config.js';
import { startEarshot } from './earshot.js';
import { createLogger } from './logger.js';

/** Start-up: config → logger → database → migrations → Slack app → sources → jobs. */
async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const earshot = await startEarshot({ config, logger }).catch((err: unknown) => {
    // A problem found at start-up by asking Slack (e.g. who may speak as the brand).
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing work in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    earshot.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('earshot failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
