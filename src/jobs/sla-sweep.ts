import type { Clock } from '../clock.js';
import type { Database, Db, Tx } from '../db/database.js';
import type { MentionRow } from '../db/schema.js';
import { LOCK, runAsLeader } from '../db/leader.js';
import { addEvent, applyDecision } from '../db/mentions.js';
import { commitWithoutFlush, lockDueMentions, resolveIdleCases, writeSweepBatch, type SlaBookkeeping, type SweepMention, type SweepReminderJob } from '../db/sla.js';
import { JOB_PRIORITY } from '../db/slack-jobs.js';
import { decide, factsOf } from '../domain/lifecycle.js';
import { planReminders, type DueReminder, type ReminderAudience, type ReminderFacts, type ReminderSettings } from '../domain/reminders.js';
import { idleSince } from '../domain/cases.js';
import { slaDeadlines, type SlaPolicy } from '../domain/sla.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { reminderMessage } from '../slack/blocks/reminders.js';
import { idleResolvedLine } from '../slack/blocks/thread-lines.js';

export interface SlaSweepDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  slaPolicy: SlaPolicy;
  settings: ReminderSettings;
  audience: ReminderAudience;
  triageChannel: string;
  /** Mentions decided per transaction (default 500). */
  batchSize?: number;
  /** Batches per tick at most (default 20); a bigger backlog continues on the next tick. */
  maxBatches?: number;
  /** CASE_IDLE_DAYS: an answered case with no customer post for this long is resolved by earshot; undefined: never. */
  idleDays?: number;
  /** How often quiet cases are looked for, at most (default 5 minutes of the clock): the rule counts in days. */
  idleCheckEveryMs?: number;
  /** Wakes the card queue after a commit that queued something. */
  onQueued?: () => void;
}

export interface QueuedReminder extends DueReminder {
  mentionId: number;
}

export interface SweepResult {
  /** Mentions whose check had come. */
  checked: number;
  /** Reminders queued by this sweep (a reminder queued before is not queued again). */
  queued: QueuedReminder[];
  /** Mentions whose claim was released at the deadline. */
  released: number[];
  /** Quiet cases resolved by earshot. */
  idleResolved: number[];
  ms: number;
}

/**
 * The SLA sweep: reads the mentions whose next check has come, asks the pure rule
 * (`planReminders`) what is owed, and in one transaction per batch queues each reminder as a
 * thread reply with the unique key `reminder:<mention>:<kind>:<n>`, records the bookkeeping and
 * the next check, and refreshes the card when its SLA line changed. A crash before the commit
 * loses nothing (the mention is still due); a re-run after it finds the next check moved on, and
 * the unique key refuses a second copy of any reminder; the card queue never posts a job twice.
 */
export class SlaSweep {
  private current: Promise<unknown> | undefined;
  /** When this replica last looked for quiet cases (clock ms), and whether it left some for later. */
  private idleChecked?: { at: number; more: boolean };

  constructor(private readonly deps: SlaSweepDeps) {}

  /** One tick, on this replica only if no other is sweeping (Postgres advisory lock); null if not. */
  async sweepAsLeader(): Promise<SweepResult | null> {
    let result: SweepResult | null = null;
    // The whole tick on the connection that holds the lock: no pool checkout per statement.
    await runAsLeader(this.deps.database, LOCK.slaSweep, async (pinned) => {
      result = await this.sweep(pinned);
    });
    return result;
  }

  /** One tick (on `db`, by default the pool). Safe to run concurrently with itself: rows are locked and reminders keyed. */
  async sweep(db: Db = this.deps.database.db): Promise<SweepResult> {
    const run = this.run(db);
    this.current = run;
    try {
      return await run;
    } finally {
      if (this.current === run) this.current = undefined;
    }
  }

  /** Resolves when the tick in flight (if any) has finished; for a clean stop. */
  async idle(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  private async run(db: Db): Promise<SweepResult> {
    const started = performance.now();
    const now = this.deps.clock.now();
    const batchSize = this.deps.batchSize ?? 500;
    const result: SweepResult = { checked: 0, queued: [], released: [], idleResolved: [], ms: 0 };
    for (let i = 0; i < (this.deps.maxBatches ?? 20); i++) {
      const batch = await db.transaction().execute((trx) => this.batch(trx, now, batchSize));
      result.checked += batch.checked;
      result.queued.push(...batch.queued);
      result.released.push(...batch.released);
      this.afterCommit(batch.queued);
      if (batch.checked < batchSize) break;
    }
    if (this.deps.idleDays !== undefined && this.idleCheckDue(now)) {
      let more = false;
      for (let i = 0; i < (this.deps.maxBatches ?? 20); i++) {
        const ids = await this.resolveIdle(db, now, batchSize);
        result.idleResolved.push(...ids);
        if (ids.length > 0) this.deps.onQueued?.();
        more = ids.length === batchSize;
        if (!more) break;
      }
      this.idleChecked = { at: now.getTime(), more };
    }
    result.ms = performance.now() - started;
    const log = { checked: result.checked, reminders: result.queued.length, released: result.released.length, idleResolved: result.idleResolved.length, ms: Math.round(result.ms) };
    if (result.queued.length > 0 || result.released.length > 0 || result.idleResolved.length > 0) this.deps.logger.info(log, 'SLA sweep queued reminders');
    else this.deps.logger.debug(log, 'SLA sweep: nothing due');
    return result;
  }

  /**
   * Quiet cases are counted in days, so one look every few minutes is as good as one a minute and
   * spares the sweep a statement most ticks; a look that left more than a batch looks again next
   * tick, and a clock set back looks at once.
   */
  private idleCheckDue(now: Date): boolean {
    const last = this.idleChecked;
    if (!last || last.more || now.getTime() < last.at) return true;
    return now.getTime() - last.at >= (this.deps.idleCheckEveryMs ?? 5 * 60_000);
  }

  /** Quiet cases: resolved by earshot in one statement, with an audit row, a thread line and a card refresh each. */
  private async resolveIdle(db: Db, now: Date, limit: number): Promise<number[]> {
    const days = this.deps.idleDays ?? 0;
    return resolveIdleCases(db, {
      quietSince: idleSince(now, days),
      now,
      limit,
      triageChannel: this.deps.triageChannel,
      details: { reason: 'idle', days },
      line: idleResolvedLine(days, now),
      linePriority: JOB_PRIORITY.reminder,
      cardPriority: JOB_PRIORITY.interactive,
    });
  }

  /** One transaction: decide every due mention of the batch in memory, then write it all in one statement. */
  private async batch(trx: Tx, now: Date, limit: number): Promise<Omit<SweepResult, 'ms' | 'idleResolved'>> {
    const { slaPolicy, settings, triageChannel } = this.deps;
    await commitWithoutFlush(trx);
    const rows = await lockDueMentions(trx, now, limit);
    const jobs: Array<SweepReminderJob & { queued: QueuedReminder }> = [];
    const refresh: Array<{ mentionId: number; channel: string; priority: number }> = [];
    const released: number[] = [];
    const bookkeeping: SlaBookkeeping[] = [];
    for (const row of rows) {
      const plan = planReminders(reminderFactsOf(row), slaPolicy, settings, now);
      const channel = row.card_channel ?? triageChannel;
      // Rare (SLA_RELEASE_ON_BREACH, a claimed case at its deadline): the lifecycle's own statements.
      const release = plan.releaseClaim ? await releaseClaim(trx, row, now) : null;
      const releasedOwner = release?.owner ?? null;
      if (release) released.push(row.id);
      const nextWait = nextWaitOf(row);
      const mention = release ? { ...row, owner_id: release.after.owner_id, status: release.after.status } : row;
      for (const reminder of plan.reminders) {
        const { dueAt } = nextWait ?? slaDeadlines(row.posted_at, row.priority, slaPolicy);
        const { text } = reminderMessage(reminder, mention, { now, dueAt, audience: this.deps.audience, releasedOwner, nextWaitSince: nextWait?.since ?? null });
        jobs.push({
          mentionId: row.id,
          channel,
          dedupeKey: reminderKey(row.id, reminder, nextWait?.since),
          priority: JOB_PRIORITY.reminder,
          // The deadline is news for the whole channel; the rest stays in the card's thread.
          payload: { text, broadcast: reminder.kind === 'overdue', reminder },
          reminder: reminder.kind,
          n: reminder.n,
          queued: { mentionId: row.id, ...reminder },
        });
      }
      if (plan.refreshCard || releasedOwner) refresh.push({ mentionId: row.id, channel, priority: JOB_PRIORITY.interactive });
      bookkeeping.push({ id: row.id, slaStage: plan.slaStage, followUps: plan.followUps, lastFollowUpAt: plan.lastFollowUpAt, nextCheckAt: plan.nextCheckAt });
    }
    // A key that exists already (a re-run) adds nothing, and is neither logged nor counted again.
    const added = new Set(await writeSweepBatch(trx, { reminders: jobs, refresh, bookkeeping, at: now }));
    const queued = jobs.filter((j) => added.has(j.dedupeKey)).map((j) => j.queued);
    return { checked: rows.length, queued, released };
  }

  private afterCommit(queued: QueuedReminder[]): void {
    const { metrics } = this.deps;
    for (const r of queued) {
      metrics?.remindersSent.inc({ kind: r.kind });
      if (r.kind === 'overdue') metrics?.slaBreaches.inc();
    }
    if (queued.length > 0) this.deps.onQueued?.();
  }
}

/**
 * The reminder's unique key: the same reminder has the same key on every replica and every re-run.
 * A next-response wait's reminders carry the wait's start, so its warning is not taken for the
 * first wait's (or another next wait's).
 */
export function reminderKey(mentionId: number, r: DueReminder, waitSince?: Date): string {
  return waitSince ? `reminder:${mentionId}:w${waitSince.getTime()}:${r.kind}:${r.n}` : `reminder:${mentionId}:${r.kind}:${r.n}`;
}

/** The wait for a next response, when the customer wrote again after an answer. */
function nextWaitOf(row: SweepMention): { since: Date; warnAt: Date; dueAt: Date } | null {
  if (row.first_response_at === null || row.waiting_since === null) return null;
  return { since: row.waiting_since, warnAt: row.sla_warn_at, dueAt: row.sla_due_at };
}

function reminderFactsOf(row: SweepMention): ReminderFacts {
  return {
    postedAt: row.posted_at,
    priority: row.priority,
    status: row.status,
    ownerId: row.owner_id,
    firstResponseAt: row.first_response_at,
    escalatedAt: row.escalated_at,
    slaStage: row.sla_stage,
    followUps: row.sla_follow_ups,
    lastFollowUpAt: row.sla_follow_up_at,
    nextWait: nextWaitOf(row),
    lastBrandReplyAt: row.last_brand_reply_at,
  };
}

/** Frees the claim of an owner who let the deadline pass (SLA_RELEASE_ON_BREACH); returns who owned it. */
async function releaseClaim(trx: Tx, row: SweepMention, now: Date): Promise<{ owner: string; after: MentionRow } | null> {
  // The row is locked by the sweep, so what it read is what the lifecycle decides on.
  const decision = decide(factsOf(row), { action: 'release', actor: null, isLead: false });
  if (!decision.ok || !row.owner_id || row.first_response_at !== null) return null;
  const after = await applyDecision(trx, row, decision, {}, now);
  if (!after) return null;
  await addEvent(trx, { mentionId: row.id, kind: 'released', actorId: null, fromStatus: row.status, toStatus: after.status, details: { reason: 'sla_breach', owner: row.owner_id } });
  return { owner: row.owner_id, after };
}
