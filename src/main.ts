import { ConfigError, loadConfig } from './config/index.js';
import { startEarshot } from './earshot.js';
import { createLogger } from './logger.js';

/** Start-up: config → logger → database → migrations → Slack app → sources → jobs. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  // A rejection nobody handles is a bug (a lost reconnect, a forgotten await): running on in an
  // unknown state hides it, so log it with its stack and exit for the supervisor to restart us.
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? reason : new Error(`non-Error rejection: ${String(reason)}`);
    logger.fatal({ err, stack: err.stack }, 'unhandled promise rejection: exiting (a bug; please report it with this stack)');
    console.error(err.stack);
    process.exit(70); // EX_SOFTWARE
  });

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
