import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { Logger } from '../../src/logger.js';
import { PolledSource } from '../../src/sources/polled.js';

/** The embedded database's leader lock is an in-process guard: enough to run ticks here. */
const database = { embedded: true } as Database;

function recordingLogger() {
  const lines: Array<[string, string]> = [];
  const logger = { warn: (_: unknown, msg: string) => lines.push(['warn', msg]), error: (_: unknown, msg: string) => lines.push(['error', msg]) } as unknown as Logger;
  return { lines, logger };
}

function source(logger: Logger, stopGraceMs = 50) {
  return new PolledSource({ name: 'Net', lock: 1, intervalMs: 60_000, logger, stopGraceMs, whenUnreachable: 'the next tick reads it again' });
}

describe('the poll loop of a network source', () => {
  it('runs one tick at a time: a tick asked for meanwhile waits for the one running', async () => {
    const s = source(recordingLogger().logger);
    s.start(database, () => Promise.resolve(), { manual: true });
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = s.tick(() => new Promise<string>((resolve) => (release = () => resolve('first'))).finally(() => order.push('first')));
    const second = s.tick(async () => (order.push('second'), 'second'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(order).toEqual(['first', 'second']);
  });

  it('logs a failed tick (the database unreachable, or anything else) and answers undefined; the next tick runs', async () => {
    const { lines, logger } = recordingLogger();
    const s = source(logger);
    s.start(database, () => Promise.resolve(), { manual: true });
    expect(await s.tick(() => Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' })))).toBeUndefined();
    expect(await s.tick(() => Promise.reject(new Error('bug')))).toBeUndefined();
    expect(await s.tick(async () => 'read')).toBe('read');
    expect(lines).toEqual([
      ['warn', 'Net: database unreachable; the next tick reads it again'],
      ['error', 'Net: tick failed; the next tick tries again'],
    ]);
  });

  it('stop: no new ticks; a tick in flight is waited for within the grace period, then abandoned', async () => {
    const s = source(recordingLogger().logger, 50);
    s.start(database, () => Promise.resolve(), { manual: true });
    let seen: { stopped: boolean; abandoned: boolean } | undefined;
    let started = false;
    const slow = s.tick(() => {
      started = true;
      return new Promise<void>((resolve) => setTimeout(() => ((seen = { stopped: s.signals.isStopped(), abandoned: s.signals.isAbandoned() }), resolve()), 150));
    });
    await expect.poll(() => started).toBe(true);
    await s.stop();
    expect(s.stopped).toBe(true);
    expect(s.abandoned).toBe(true);
    await slow;
    expect(seen).toEqual({ stopped: true, abandoned: true });
    let ran = false;
    expect(await s.tick(async () => (ran = true))).toBeUndefined();
    expect(ran).toBe(false);
  });

  it('ticks on a timer once started, until stopped', async () => {
    const s = new PolledSource({ name: 'Net', lock: 1, intervalMs: 10, logger: recordingLogger().logger, whenUnreachable: '' });
    let ticks = 0;
    s.start(database, async () => void ticks++);
    await expect.poll(() => ticks).toBeGreaterThanOrEqual(3);
    await s.stop();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 50));
    expect(ticks).toBe(after);
  });
});
