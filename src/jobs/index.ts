import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/index.js';
import { isConnectionError } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { SlaSweep } from './sla-sweep.js';

/**
 * The one job registry: every scheduled job, its schedule, and the service it wraps. Each tick
 * is a thin wrapper that never overlaps itself (noOverlap) and logs a failure for the next tick to
 * retry; leader election (one replica per tick) lives in the service, so tests can call it too.
 * The Slack outbox (jobs/outbox) is not here: it is a worker loop, not a schedule.
 */
export interface JobDeps {
  config: Config;
  logger: Logger;
  slaSweep: SlaSweep;
  /** Deletes what is kept for a while only (sent Slack jobs, brand posts that waited in vain), hourly. */
  prune?: () => Promise<unknown>;
  /** Folds the statistics deltas into the rollups (one replica at a time: jobs/stats-compact.ts). */
  compactStats?: () => Promise<unknown>;
}

export interface Jobs {
  readonly tasks: ReadonlyMap<string, ScheduledTask>;
  /** Stops every schedule and waits for ticks in flight. */
  stop(): Promise<void>;
}

export function startJobs(deps: JobDeps): Jobs {
  const { config, logger } = deps;
  const tasks = new Map<string, ScheduledTask>();
  const idle: Array<() => Promise<void>> = [];

  // SLA sweep: warnings, overdue pings, repeats and follow-ups (SLA_SWEEP_CRON, default every minute).
  // After a sweep, the statistics deltas are folded into the rollups (by one replica: a leader
  // lock of its own), and at most once an hour what is kept for a while only is deleted.
  // Every replica may prune: deleting rows another replica deleted is a no-op.
  let prunedAt = 0;
  const sweepThenPrune = async () => {
    const r = await deps.slaSweep.sweepAsLeader();
    await deps.compactStats?.();
    if (deps.prune && Date.now() - prunedAt >= 3_600_000) {
      prunedAt = Date.now();
      await deps.prune();
    }
    return r;
  };
  tasks.set('sla-sweep', schedule(config.sla.sweepCron, 'sla-sweep', config.sla.timeZone, logger, sweepThenPrune));
  idle.push(() => deps.slaSweep.idle());

  logger.info({ jobs: [...tasks.keys()], slaSweep: config.sla.sweepCron }, 'scheduled jobs started');
  return {
    tasks,
    async stop() {
      for (const task of tasks.values()) await task.destroy();
      await Promise.all(idle.map((wait) => wait()));
    },
  };
}

function schedule(expression: string, name: string, timezone: string, logger: Logger, tick: () => Promise<unknown>): ScheduledTask {
  return cron.schedule(
    expression,
    async () => {
      try {
        await tick();
      } catch (err) {
        // Not swallowed: logged as an error, and the next tick starts over from the database.
        const unreachable = isConnectionError(err);
        logger[unreachable ? 'warn' : 'error']({ job: name, err: (err as Error).message }, unreachable ? 'job skipped a tick: the database is unreachable' : 'job failed; the next tick retries');
      }
    },
    { name, noOverlap: true, timezone },
  );
}
