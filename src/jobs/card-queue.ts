import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { getMention, recordCardPosted } from '../db/mentions.js';
import type { MentionRow, SlackJobRow } from '../db/schema.js';
import { completeJob, failJob, leaseNextJob, nextRunAt, retryJob } from '../db/slack-jobs.js';
import { reminderStillWanted, type ReminderKind } from '../domain/reminders.js';
import type { SlaPolicy } from '../domain/sla.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { mentionCard } from '../slack/blocks/mention-card.js';
import { classifySlackError, slackErrorHint } from '../slack/errors.js';
import { ChannelPacer } from './pacer.js';

type WebClient = webApi.WebClient;

export interface CardQueueDeps {
  db: Db;
  /** A client that does not retry by itself (rejectRateLimitedCalls, retries 0): the queue decides. */
  client: WebClient;
  clock: Clock;
  logger: Logger;
  slaPolicy: SlaPolicy;
  postsPerSecond: number;
  /** Short bursts Slack tolerates per channel before it answers 429. */
  burst?: number;
  concurrency?: number;
  leaseMs?: number;
  metrics?: Metrics;
}

const METADATA_TYPE = 'earshot_job';
const POSTING_KINDS = new Set(['post_card', 'thread_reply', 'post_message']);

/**
 * Drains the Slack outbox (`slack_jobs`): new cards, card refreshes, thread lines, escalation
 * posts. Jobs are leased with FOR UPDATE SKIP LOCKED, so replicas share the work without taking
 * the same job; a crash leaves the lease to expire and another worker to finish the job. Posting
 * is paced per channel to Slack's limit, 429s are obeyed, and a job whose earlier attempt may
 * have reached Slack is first looked up by its message metadata, so no card is posted twice.
 */
export class CardQueue {
  private readonly worker = `w-${randomUUID().slice(0, 8)}`;
  private readonly pacer: ChannelPacer;
  private running = false;
  private loops: Promise<void>[] = [];
  private wakeUp: (() => void) | undefined;
  private inFlight = 0;

  constructor(private readonly deps: CardQueueDeps) {
    // A hair under the limit: at exactly Slack's rate, network jitter alone makes some posts
    // arrive early and cost a whole Retry-After second.
    this.pacer = new ChannelPacer(deps.postsPerSecond * 0.97, deps.burst ?? 3);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.deps.concurrency ?? 2;
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
        this.deps.logger.warn({ err: (err as Error).message }, 'card queue: could not run a job; will retry');
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (!ran) await this.sleep(await this.idleMs());
    }
  }

  private async idleMs(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    let ms = 1_000; // also picks up work queued by other replicas
    // Slack's limits run on real time, like every other use of the pacer: never the injected clock.
    const real = Date.now();
    const paced = this.pacer.nextFreeAt(real);
    if (paced !== undefined) ms = Math.min(ms, Math.max(5, paced - real));
    try {
      const at = await nextRunAt(this.deps.db);
      if (at) ms = Math.min(ms, Math.max(5, at.getTime() - now));
    } catch {
      /* the loop's next lease reports database trouble */
    }
    return ms;
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
    const now = this.deps.clock.now();
    const job = await leaseNextJob(this.deps.db, {
      worker: this.worker,
      now,
      leaseMs: this.deps.leaseMs ?? 60_000,
      pacedChannels: this.pacer.pacedChannels(Date.now()),
    });
    if (!job) return false;
    this.inFlight++;
    try {
      await this.run(job);
    } finally {
      this.inFlight--;
    }
    return true;
  }

  private async run(job: SlackJobRow): Promise<void> {
    const { db, logger } = this.deps;
    const log = logger.child({ job: job.id, kind: job.kind, mention: job.mention_id, channel: job.channel });
    const mention = job.mention_id !== null ? await getMention(db, job.mention_id) : undefined;
    if (job.mention_id !== null && !mention) {
      await failJob(db, job.id, 'mention not found');
      return;
    }
    // An SLA reminder queued just before the reply (or the close) would only be noise now.
    const reminder = (job.payload as { reminder?: { kind: ReminderKind } }).reminder;
    if (reminder && mention && !reminderStillWanted(reminder.kind, { status: mention.status, firstResponseAt: mention.first_response_at, waitingSince: mention.waiting_since })) {
      await completeJob(db, job, { skipped: 'reminder no longer due' });
      return;
    }
    try {
      if (POSTING_KINDS.has(job.kind)) await this.pacer.take(job.channel);
      const result = await this.send(job, mention);
      if (job.kind === 'post_card' && mention && typeof result.ts === 'string') {
        await db.transaction().execute(async (trx) => {
          await recordCardPosted(trx, mention.id, String(result.channel ?? job.channel), result.ts as string);
          await completeJob(trx, job, result);
        });
        this.deps.metrics?.cardsPosted.inc();
        // Refreshes and thread lines that waited for this card can go now.
        this.wake();
      } else {
        await completeJob(db, job, result);
      }
    } catch (err) {
      await this.handleFailure(job, err, log);
    }
  }

  private async send(job: SlackJobRow, m: MentionRow | undefined): Promise<Record<string, unknown>> {
    const { client } = this.deps;
    const metadata = { event_type: METADATA_TYPE, event_payload: { job_id: String(job.id), mention_id: m?.id ?? 0 } };
    if (mayHavePosted(job)) {
      const found = await this.findPosted(job, m);
      if (found) {
        this.deps.logger.info({ job: job.id, ts: found }, 'card queue: an earlier attempt had reached Slack; not posting again');
        return { ts: found, channel: job.channel, reconciled: true };
      }
    }
    const payload = job.payload as { text?: string; blocks?: unknown[]; broadcast?: boolean; linkToCard?: boolean };
    switch (job.kind) {
      case 'post_card': {
        if (!m) throw new Error('post_card without mention');
        if (m.card_ts) return { ts: m.card_ts, channel: m.card_channel, alreadyPosted: true };
        const card = mentionCard(m, { now: this.deps.clock.now(), slaPolicy: this.deps.slaPolicy });
        const r = await client.chat.postMessage({ channel: job.channel, text: card.text, blocks: card.blocks, metadata, unfurl_links: false, unfurl_media: false });
        return { ts: r.ts, channel: r.channel };
      }
      case 'update_card': {
        if (!m?.card_ts || !m.card_channel) throw new Error('update_card before the card exists');
        const card = mentionCard(m, { now: this.deps.clock.now(), slaPolicy: this.deps.slaPolicy });
        const r = await client.chat.update({ channel: m.card_channel, ts: m.card_ts, text: card.text, blocks: card.blocks, metadata });
        return { ts: r.ts };
      }
      case 'thread_reply': {
        if (!m?.card_ts || !m.card_channel) throw new Error('thread_reply before the card exists');
        const args = {
          channel: m.card_channel,
          thread_ts: m.card_ts,
          text: payload.text ?? '',
          reply_broadcast: payload.broadcast === true,
          metadata,
          unfurl_links: false,
          unfurl_media: false,
        };
        const r = await client.chat.postMessage(payload.blocks ? { ...args, blocks: payload.blocks as never } : args);
        return { ts: r.ts };
      }
      case 'post_message': {
        const blocks = [...((payload.blocks as never[]) ?? [])];
        if (payload.linkToCard && m?.card_ts && m.card_channel) {
          const link = await client.chat.getPermalink({ channel: m.card_channel, message_ts: m.card_ts });
          if (link.permalink) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${link.permalink}|View the card in the triage channel>` }] } as never);
        }
        const r = await client.chat.postMessage({ channel: job.channel, text: payload.text ?? '', ...(blocks.length ? { blocks } : {}), metadata, unfurl_links: false, unfurl_media: false });
        return { ts: r.ts, channel: r.channel };
      }
    }
  }

  /**
   * Looks for the message an earlier, interrupted attempt may have posted (by its metadata). A
   * lookup that fails throws: posting without knowing would post twice, so the job waits and
   * looks again (it stays "may have posted" until a lookup answers).
   */
  private async findPosted(job: SlackJobRow, m: MentionRow | undefined): Promise<string | undefined> {
    const { client } = this.deps;
    const since = new Date((job.first_attempt_at ?? job.created_at).getTime() - 60_000);
    const oldest = (since.getTime() / 1000).toFixed(6);
    const matches = (msg: { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }) =>
      msg.metadata?.event_type === METADATA_TYPE && String(msg.metadata.event_payload?.job_id) === String(job.id);
    try {
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const r =
          job.kind === 'thread_reply' && m?.card_ts && m.card_channel
            ? await client.conversations.replies({ channel: m.card_channel, ts: m.card_ts, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) })
            : await client.conversations.history({ channel: job.channel, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) });
        const hit = (r.messages ?? []).find((msg) => matches(msg as never));
        if (hit?.ts) return hit.ts;
        cursor = r.response_metadata?.next_cursor || undefined;
        if (!cursor) return undefined;
      }
    } catch (err) {
      this.deps.logger.warn({ job: job.id, err: (err as Error).message }, 'card queue: could not check whether an interrupted post reached Slack; will look again before posting');
      throw err;
    }
    return undefined;
  }

  private async handleFailure(job: SlackJobRow, err: unknown, log: Logger): Promise<void> {
    const { db, clock, metrics } = this.deps;
    const c = classifySlackError(err);
    const now = clock.now().getTime();
    // A job that may already be in Slack stays marked so until a lookup has answered.
    const uncertain = c.kind === 'uncertain' || mayHavePosted(job);
    const mark = (e: string) => (uncertain ? `unknown: ${e.replace(/^unknown: /, '')}` : e);
    metrics?.slackErrors.inc({ error: c.error });
    switch (c.kind) {
      case 'rate_limited': {
        const ms = (c.retryAfterSeconds ?? 1) * 1000;
        if (POSTING_KINDS.has(job.kind)) this.pacer.pause(job.channel, Date.now() + ms);
        metrics?.slackRateLimited.inc();
        log.info({ retryAfter: c.retryAfterSeconds }, 'card queue: Slack asked us to slow down; waiting');
        await retryJob(db, job.id, new Date(now + ms), mark(`ratelimited: retry after ${c.retryAfterSeconds ?? 1}s`));
        return;
      }
      case 'uncertain':
      case 'transient': {
        const ms = backoffMs(job.attempts);
        log.warn({ err: c.error, retryInMs: ms }, 'card queue: Slack call failed; will retry');
        await retryJob(db, job.id, new Date(now + ms), mark(c.error));
        return;
      }
      case 'configuration': {
        // Nothing is dropped: the job waits until the app is set up right (see the hint).
        const ms = Math.min(10 * 60_000, backoffMs(job.attempts) * 4);
        log.error({ err: c.error, hint: slackErrorHint(c.error), retryInMs: ms }, 'card queue: Slack refused the call; fix the set-up and the card will follow');
        await retryJob(db, job.id, new Date(now + ms), mark(c.error));
        return;
      }
      case 'permanent': {
        log.error({ err: c.error, hint: slackErrorHint(c.error) }, 'card queue: Slack rejected this message; giving up on it');
        await failJob(db, job.id, c.error);
        return;
      }
    }
  }
}

/**
 * Whether an earlier attempt of this posting job may have reached Slack: it was leased before and
 * ended without an answer (a crash leaves no error; a timeout or dropped connection is marked
 * "unknown:"). Such a job looks for its message before posting.
 */
function mayHavePosted(job: SlackJobRow): boolean {
  return POSTING_KINDS.has(job.kind) && job.attempts > 1 && (job.last_error === null || job.last_error.startsWith('unknown:'));
}

function backoffMs(attempts: number): number {
  const base = Math.min(5 * 60_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
