import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boltLogger, createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('never writes a secret value, whatever key or message carries it', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', secrets: ['xoxb-super-secret-token'], pretty: false, destination });
    log.info({ token: 'xoxb-super-secret-token', headers: { authorization: 'Bearer abc' } }, 'hello');
    log.warn('request with xoxb-super-secret-token in the url failed');
    log.error({ nested: { deep: 'prefix xoxb-super-secret-token suffix' } }, 'oops');
    boltLogger(log).debug('web-api', { token: 'xoxb-super-secret-token' });
    const all = lines.join('');
    expect(all).not.toContain('xoxb-super-secret-token');
    expect(all).not.toContain('Bearer abc');
    expect(all).toContain('[redacted]');
    expect(lines).toHaveLength(4);
  });
});
