import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import { getMention, recordCardPosted } from '../../db/mentions.js';
import type { MentionRow } from '../../db/schema.js';
import { completeJob, failJob, leaseNextJob, leaseOf, nextRunInMs, renewLease, retryJob, type Lease, type OutboxJob } from '../../db/slack-jobs.js';
import { reminderStillWanted } from '../../domain/reminders.js';
import type { SlaPolicy } from '../../domain/sla.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { classifySlackError, slackErrorHint } from '../../slack/errors.js';
import { SharedPacer } from './pacer.js';
import { findPosted, POSTING_KINDS } from './reconcile.js';
import { decideRetry } from './retry-policy.js';
import { sendJob, type SendResult } from './senders.js';

export interface OutboxDeps {
  db: Db;
  /** A client that does not retry by itself (rejectRateLimitedCalls, retries 0): the outbox decides. */
  client: webApi.WebClient;
  clock: Clock;
  logger: Logger;
  slaPolicy: SlaPolicy;
  /** Posts a second per channel, for all replicas together. */
  postsPerSecond: number;
  /** Short bursts Slack tolerates per channel before it answers 429. */
  burst?: number;
  concurrency?: number;
  /** How long a lease lasts without renewal: the time a dead replica's job waits for another. */
  leaseMs?: number;
  metrics?: Metrics;
}

/** Stops the transaction that records a card when this worker no longer holds the job. */
class LostLease extends Error {}

/**
 * The Slack outbox worker: drains `slack_jobs` (new cards, card refreshes, thread lines,
 * reminders, escalation posts). Jobs are leased with FOR UPDATE SKIP LOCKED and short leases
 * renewed while an attempt works, so replicas share the work and a dead replica's jobs are taken
 * over within one lease. Every attempt is marked in flight when leased; an attempt that may have
 * reached Slack makes the next one look its message up first (reconcile.ts). Only the lease
 * holder may end an attempt (fencing in db/slack-jobs). Posting is paced per channel for all
 * replicas (pacer.ts) and 429s pause the channel for everyone.
 */
export class Outbox {
  private readonly worker = `w-${randomUUID().slice(0, 8)}`;
  private readonly pacer: SharedPacer;
  private readonly leaseMs: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private wakeUp: (() => void) | undefined;
  private inFlight = 0;

  constructor(private readonly deps: OutboxDeps) {
    // A hair under the limit: at exactly Slack's rate, network jitter alone makes some posts
    // arrive early and cost a whole Retry-After second.
    this.pacer = new SharedPacer(deps.db, deps.postsPerSecond * 0.97, deps.burst ?? 3);
    this.leaseMs = deps.leaseMs ?? 10_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Enough attempts in flight to hide the round trips of each (lease, pace, post, record) at the
    // channel limit; the shared pace, not this number, decides how fast posts go.
    const n = this.deps.concurrency ?? 4;
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  /** Stops taking jobs and waits for the ones being sent to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.all(this.loops);
    this.loops = [];
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  get busy(): number {
    return this.inFlight;
  }

  /** Runs every job that is runnable now; for tests and the demo. Returns how many ran. */
  async drainNow(max = 10_000): Promise<number> {
    let n = 0;
    while (n < max && (await this.runOne())) n++;
    return n;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let ran = false;
      try {
        ran = await this.runOne();
        failures = 0;
      } catch (err) {
        // The database is unreachable or the job could not be stored: back off, never exit.
        failures++;
        this.deps.logger.warn({ err, worker: this.worker }, 'outbox: could not lease or store a job (database); will retry');
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (!ran) await this.sleep(await this.idleMs());
    }
  }

  private async idleMs(): Promise<number> {
    try {
      const ms = await nextRunInMs(this.deps.db, { now: this.deps.clock.now(), paceAheadMs: this.pacer.leaseAheadMs });
      // At most a second: also picks up work queued by other replicas.
      return ms === undefined ? 1_000 : Math.min(1_000, Math.max(5, ms));
    } catch {
      return 1_000; // the loop's next lease reports database trouble
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      const prev = this.wakeUp;
      this.wakeUp = () => {
        clearTimeout(t);
        prev?.();
        resolve();
      };
    });
  }

  private async runOne(): Promise<boolean> {
    const job = await leaseNextJob(this.deps.db, { worker: this.worker, now: this.deps.clock.now(), leaseMs: this.leaseMs, paceAheadMs: this.pacer.leaseAheadMs });
    if (!job) return false;
    this.inFlight++;
    const stopRenewing = this.keepLease(job);
    try {
      await this.run(job);
    } finally {
      stopRenewing();
      this.inFlight--;
    }
    return true;
  }

  /** Renews the lease while the attempt works (pacing waits, slow answers), so only a dead worker loses it. */
  private keepLease(job: OutboxJob): () => void {
    const lease = leaseOf(job);
    const timer = setInterval(() => {
      renewLease(this.deps.db, lease, new Date(Date.now() + this.leaseMs))
        .then((held) => {
          if (!held) this.deps.logger.warn({ job: job.id, kind: job.kind, worker: this.worker }, 'outbox: lost the lease of a job still being sent');
        })
        .catch((err: unknown) => this.deps.logger.warn({ job: job.id, err }, 'outbox: could not renew a lease (database)'));
    }, Math.max(50, Math.floor(this.leaseMs / 4)));
    timer.unref();
    return () => clearInterval(timer);
  }

  private async run(job: OutboxJob): Promise<void> {
    const { db, logger } = this.deps;
    const lease = leaseOf(job);
    const log = logger.child({ job: job.id, kind: job.kind, mention: job.mention_id, channel: job.channel, attempt: job.attempts });
    const mention = job.mention_id !== null ? await getMention(db, job.mention_id) : undefined;
    if (job.mention_id !== null && !mention) {
      await failJob(db, lease, 'mention not found');
      return;
    }
    // An SLA reminder queued just before the reply (or the close) would only be noise now.
    const reminder = job.kind === 'thread_reply' ? job.payload.reminder : undefined;
    if (reminder && mention && !reminderStillWanted(reminder.kind, { status: mention.status, firstResponseAt: mention.first_response_at, waitingSince: mention.waiting_since })) {
      await completeJob(db, { ...lease, kind: job.kind }, { skipped: 'reminder no longer due' });
      return;
    }
    const posting = POSTING_KINDS.has(job.kind);
    // Whether this attempt's message may be in Slack: from an earlier attempt until a lookup answers,
    // and from this one when the call ends without an answer.
    let deliveryUnknown = posting && job.delivery_unknown;
    let phase: 'lookup' | 'send' = 'lookup';
    let result: SendResult;
    try {
      const found = deliveryUnknown ? await findPosted(this.deps.client, job, mention, log) : undefined;
      if (found) {
        log.info({ ts: found }, 'outbox: an earlier attempt had reached Slack; not sending again');
        result = { ts: found, channel: job.channel, reconciled: true };
      } else {
        deliveryUnknown = false;
        phase = 'send';
        if (posting) await this.pacer.take(job.channel);
        result = await sendJob(this.deps, job, mention);
      }
    } catch (err) {
      const c = classifySlackError(err);
      await this.handleFailure(job, lease, err, { deliveryUnknown: deliveryUnknown || (phase === 'send' && posting && c.kind === 'uncertain'), pause: phase === 'send' && posting, log });
      return;
    }
    await this.record(job, lease, mention, result, log);
  }

  /** Stores what Slack answered. A failure here is the database's, not Slack's. */
  private async record(job: OutboxJob, lease: Lease, mention: MentionRow | undefined, result: SendResult, log: Logger): Promise<void> {
    const { db } = this.deps;
    try {
      let held: boolean;
      if (job.kind === 'post_card' && mention && typeof result.ts === 'string') {
        const ts = result.ts;
        held = await db
          .transaction()
          .execute(async (trx) => {
            if (!(await completeJob(trx, { ...lease, kind: job.kind }, result))) throw new LostLease();
            await recordCardPosted(trx, mention.id, String(result.channel ?? job.channel), ts);
            return true;
          })
          .catch((err: unknown) => {
            if (err instanceof LostLease) return false;
            throw err;
          });
        if (held) {
          this.deps.metrics?.cardsPosted.inc();
          // Refreshes and thread lines that waited for this card can go now.
          this.wake();
        }
      } else {
        held = await completeJob(db, { ...lease, kind: job.kind }, result);
      }
      if (!held) log.warn({ worker: this.worker }, 'outbox: sent, but the lease had passed to another worker; that worker will find the message and record it');
    } catch (err) {
      // The job stays in flight: when its lease runs out, the next attempt looks the message up
      // and records it instead of sending it again.
      log.error({ err, ts: result.ts }, 'outbox: Slack accepted the message but recording it in the database failed; it will be looked up, not sent again');
    }
  }

  private async handleFailure(job: OutboxJob, lease: Lease, err: unknown, opts: { deliveryUnknown: boolean; pause: boolean; log: Logger }): Promise<void> {
    const { db, clock, metrics } = this.deps;
    const c = classifySlackError(err);
    metrics?.slackErrors.inc({ error: c.error });
    const d = decideRetry(c, job.attempts, opts.pause);
    const details = { err, error: c.error, hint: slackErrorHint(c.error), deliveryUnknown: opts.deliveryUnknown };
    let held: boolean;
    if (d.action === 'fail') {
      opts.log.error(details, d.message);
      held = await failJob(db, lease, c.error);
    } else {
      if (c.kind === 'rate_limited') metrics?.slackRateLimited.inc();
      if (d.pauseChannelMs !== undefined) await this.pacer.pause(job.channel, d.pauseChannelMs);
      opts.log[d.level]({ ...details, retryInMs: d.inMs }, d.message);
      held = await retryJob(db, lease, { runAfter: new Date(clock.now().getTime() + d.inMs), error: c.error, deliveryUnknown: opts.deliveryUnknown });
    }
    if (!held) opts.log.warn({ worker: this.worker }, 'outbox: the lease had passed to another worker; leaving the outcome to it');
  }
}
