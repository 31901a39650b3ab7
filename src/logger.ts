import pino, { type Logger as PinoLogger } from 'pino';
import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel as BoltLogLevel } from '@slack/bolt';
import { createRequire } from 'node:module';
import type { LogLevel } from './config/index.js';

const require = createRequire(import.meta.url);

export type Logger = PinoLogger;

/** Keys whose values are secrets wherever they appear in a logged object. */
const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'password',
  'sslpassword',
  'sslkey',
  'connectionString',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.secret',
  '*.password',
  '*.sslpassword',
  '*.sslkey',
  '*.connectionString',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'req.headers["x-earshot-signature"]',
  'config.secrets',
  'secrets',
];

export interface LoggerOptions {
  level: LogLevel;
  /** Secret values scrubbed from every line, whatever key or message they hide in. */
  secrets?: string[];
  /** Pretty output for people; JSON for machines. Defaults to whether stdout is a terminal. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  const scrub = (line: string): string => {
    let out = line;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const base: pino.LoggerOptions = {
    level: opts.level,
    base: { app: 'earshot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrub },
  };
  if (pretty && !opts.destination) {
    const stream = pinoPrettyStream();
    if (stream) return pino(base, stream);
  }
  return opts.destination ? pino(base, opts.destination as pino.DestinationStream) : pino(base);
}

function pinoPrettyStream(): pino.DestinationStream | undefined {
  try {
    // pino-pretty is loaded synchronously (not as a worker transport) so start-up stays one code path
    // and the redaction hook runs before it.
    const pretty = require('pino-pretty') as (o: object) => pino.DestinationStream;
    return pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app' });
  } catch {
    return undefined;
  }
}


const boltToPino: Record<BoltLogLevel, LogLevel> = {
  [BoltLogLevel.DEBUG]: 'debug',
  [BoltLogLevel.INFO]: 'info',
  [BoltLogLevel.WARN]: 'warn',
  [BoltLogLevel.ERROR]: 'error',
};

/** Bolt and @slack/web-api log through this adapter, so their lines share our format and redaction. */
export function boltLogger(logger: Logger): BoltLogger {
  let child = logger.child({ component: 'slack' });
  const fmt = (msgs: unknown[]) =>
    msgs.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : safeJson(m))).join(' ');
  return {
    // Bolt logs every request at debug; format only what will be written.
    debug: (...m: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(fmt(m));
    },
    info: (...m: unknown[]) => child.info(fmt(m)),
    warn: (...m: unknown[]) => child.warn(fmt(m)),
    error: (...m: unknown[]) => child.error(fmt(m)),
    setLevel: (level: BoltLogLevel) => {
      child.level = boltToPino[level];
    },
    getLevel: () => {
      const l = child.level;
      return l === 'debug' || l === 'trace' ? BoltLogLevel.DEBUG : l === 'warn' ? BoltLogLevel.WARN : l === 'error' || l === 'fatal' ? BoltLogLevel.ERROR : BoltLogLevel.INFO;
    },
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
