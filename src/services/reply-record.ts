import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/database.js';
import { addEvent, getMention } from '../db/mentions.js';
import { markReplySent } from '../db/replies.js';
import type { MentionRow } from '../db/schema.js';
import { enqueueCardUpdate, enqueueJob, JOB_PRIORITY } from '../db/slack-jobs.js';
import type { ReplyDestination } from '../domain/sources.js';
import { isEarshotError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Triage } from './triage.js';

/**
 * What became of a reply the network accepted. `recorded`: on the card as usual; `after_retry`: a
 * database write failed and a later attempt stored it; `closed`: the mention was closed meanwhile,
 * so the reply is kept as the brand's answer and the status stays closed; `unrecorded`: every
 * attempt to store it failed (logged with its ids and link for someone to fix by hand).
 */
export type PostedRecord = 'recorded' | 'after_retry' | 'closed' | 'unrecorded';

export interface PostedReply {
  replyId: number;
  userId: string;
  text: string;
  mode: 'public' | 'dm';
  destination: ReplyDestination;
  externalId: string | null;
  url: string | null;
  /** The network id of the post the reply went under (public replies). */
  inReplyTo?: string | null;
}

interface RecordDeps {
  db: Db;
  triage: Triage;
  clock: Clock;
  logger?: Logger;
}

/** A write that failed for a passing reason (a cut connection, a failover) gets this many tries. */
const WRITE_ATTEMPTS = 4;
const BACKOFF_MS = [50, 250, 1000];

async function retried<T>(what: string, deps: RecordDeps, ids: Record<string, unknown>, fn: () => Promise<T>, onRetry: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      // A refusal from the lifecycle is an answer, not a passing fault.
      if (isEarshotError(err) || attempt >= WRITE_ATTEMPTS) throw err;
      deps.logger?.warn({ err, ...ids, attempt }, `${what} failed; trying again`);
      onRetry();
      await sleep(BACKOFF_MS[attempt - 1] ?? 1000);
    }
  }
}

/** Whether a committed "replied" event already holds this reply (a retry after a lost commit answer). */
async function alreadyOnCard(db: Executor, mentionId: number, replyId: number): Promise<boolean> {
  const row = await db
    .selectFrom('mention_events')
    .select('id')
    .where('mention_id', '=', mentionId)
    .where('kind', 'in', ['replied', 'replied_after_close'])
    .where((eb) => eb(eb.cast(eb.ref('details'), 'text'), 'like', `%"replyId":${replyId}%`))
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Records a reply the network has accepted, whatever happens next: the reply row is marked sent
 * first, on its own; then the card and the clock. A failed write is retried; a mention closed
 * meanwhile keeps its status and gets the reply as the brand's answer in its history and thread.
 */
export async function recordPosted(deps: RecordDeps, mentionId: number, r: PostedReply): Promise<{ record: PostedRecord; mention: MentionRow | undefined }> {
  const { db, triage, clock, logger } = deps;
  const ids = { mentionId, replyId: r.replyId, url: r.url, externalId: r.externalId };
  let hadRetry = false;
  const onRetry = () => {
    hadRetry = true;
  };
  const at = clock.now();
  try {
    await retried('Storing a sent reply', deps, ids, () => markReplySent(db, r.replyId, { at, externalId: r.externalId, url: r.url }), onRetry);
  } catch (err) {
    logger?.error({ err, ...ids }, 'A reply was posted but earshot could not store it');
    return { record: 'unrecorded', mention: undefined };
  }
  try {
    const mention = await retried(
      'Recording a sent reply on the card',
      deps,
      ids,
      async () => {
        if (hadRetry && (await alreadyOnCard(db, mentionId, r.replyId))) return getMention(db, mentionId);
        return triage.recordReplySent(mentionId, r.userId, { id: r.replyId, text: r.text, mode: r.mode, destination: r.destination, url: r.url, externalId: r.externalId, inReplyTo: r.inReplyTo });
      },
      onRetry,
    );
    return { record: hadRetry ? 'after_retry' : 'recorded', mention };
  } catch (err) {
    let failure = err;
    if (isEarshotError(err, 'closed')) {
      try {
        await retried('Recording a reply to a closed mention', deps, ids, () => recordAfterClose(deps, mentionId, r), onRetry);
        return { record: 'closed', mention: await getMention(db, mentionId).catch(() => undefined) };
      } catch (inner) {
        failure = inner;
      }
    }
    logger?.error({ err: failure, ...ids }, 'A reply was posted and stored, but earshot could not put it on the card');
    return { record: 'unrecorded', mention: undefined };
  }
}

async function recordAfterClose(deps: RecordDeps, mentionId: number, r: PostedReply): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const m = await getMention(trx, mentionId);
    if (!m) return;
    if (await alreadyOnCard(trx, mentionId, r.replyId)) return;
    await addEvent(trx, {
      mentionId,
      kind: 'replied_after_close',
      actorId: r.userId,
      fromStatus: m.status,
      toStatus: m.status,
      details: { replyId: r.replyId, mode: r.mode, destination: r.destination, url: r.url },
    });
    if (!m.card_channel) return;
    await enqueueCardUpdate(trx, mentionId, m.card_channel);
    await enqueueJob(trx, {
      kind: 'thread_reply',
      channel: m.card_channel,
      mentionId,
      priority: JOB_PRIORITY.interactive,
      payload: { line: { kind: 'replied_after_close', actor: r.userId, at: now.toISOString(), url: r.url, text: r.text } },
    });
  });
}
