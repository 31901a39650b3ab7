import type { Db, Executor } from './database.js';
import type { ReplyRow, SavedReplyRow } from './schema.js';
import type { ReplyDestination } from '../domain/sources.js';

export async function insertReply(
  db: Executor,
  r: { mentionId: number; userId: string; text: string; mode: 'public' | 'dm'; destination: 'x' | 'bluesky' | 'mastodon' | 'elsewhere' },
): Promise<number> {
  const row = await db
    .insertInto('replies')
    .values({ mention_id: r.mentionId, slack_user_id: r.userId, text: r.text, mode: r.mode, destination: r.destination, status: 'sending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type ReplyClaim = { kind: 'new'; id: number } | { kind: 'existing'; reply: ReplyRow } | { kind: 'conflict'; reply: ReplyRow; heldId: number };

/**
 * Starts a reply once per submission and not over someone else's: under the mention's row lock,
 * a reply with the same key is returned as it is, and (unless `after` is null) a reply sent or
 * being sent by anyone since reply `after` is returned as a conflict (this one is kept as failed,
 * with its text, so the person can retry it deliberately); otherwise a sending row is inserted. Two submissions at the same moment serialise on the lock, so the second sees the first.
 */
export async function claimReply(
  db: Db,
  r: {
    mentionId: number;
    userId: string;
    text: string;
    mode: 'public' | 'dm';
    destination: ReplyDestination;
    idempotencyKey: string | null;
    /** The newest reply the person had seen; null to send whatever others did meanwhile. */
    after: number | null;
  },
): Promise<ReplyClaim> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('mentions').select('id').where('id', '=', r.mentionId).forUpdate().executeTakeFirst();
    if (r.idempotencyKey) {
      const same = await findReplyByKey(trx, r.idempotencyKey);
      if (same) return { kind: 'existing', reply: same };
    }
    const other = r.after === null ? undefined : await latestReplySince(trx, r.mentionId, r.after);
    const row = await trx
      .insertInto('replies')
      .values({
        mention_id: r.mentionId,
        slack_user_id: r.userId,
        text: r.text,
        mode: r.mode,
        destination: r.destination,
        status: other ? 'failed' : 'sending',
        error: other ? 'held back: another reply went out first' : null,
        idempotency_key: r.idempotencyKey,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return other ? { kind: 'conflict', reply: other, heldId: row.id } : { kind: 'new', id: row.id };
  });
}

export async function findReplyByKey(db: Executor, key: string): Promise<ReplyRow | undefined> {
  return db.selectFrom('replies').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/** The newest reply to a mention that went out or is going out, newer than reply `after`. */
export async function latestReplySince(db: Executor, mentionId: number, after: number): Promise<ReplyRow | undefined> {
  return db
    .selectFrom('replies')
    .selectAll()
    .where('mention_id', '=', mentionId)
    .where('id', '>', after)
    .where('status', 'in', ['sending', 'sent'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The id of the newest reply to a mention (0 for none): what the Reply modal's opener has seen. */
export async function newestReplyId(db: Executor, mentionId: number): Promise<number> {
  const row = await db.selectFrom('replies').select((eb) => eb.fn.max('id').as('id')).where('mention_id', '=', mentionId).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** The network accepted the reply: written first and on its own, so nothing later can lose it. */
export async function markReplySent(db: Executor, id: number, r: { at: Date; externalId: string | null; url: string | null }): Promise<void> {
  await db.updateTable('replies').set({ status: 'sent', sent_at: r.at, external_id: r.externalId, external_url: r.url }).where('id', '=', id).execute();
}

export async function markReplyFailed(db: Executor, id: number, error: string): Promise<void> {
  await db.updateTable('replies').set({ status: 'failed', error: error.slice(0, 1000) }).where('id', '=', id).execute();
}

export async function getReply(db: Executor, id: number): Promise<ReplyRow | undefined> {
  return db.selectFrom('replies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listSavedReplies(db: Executor, limit = 100): Promise<SavedReplyRow[]> {
  return db.selectFrom('saved_replies').selectAll().where('archived_at', 'is', null).orderBy('title').limit(limit).execute();
}

export async function getSavedReply(db: Executor, id: number): Promise<SavedReplyRow | undefined> {
  return db.selectFrom('saved_replies').selectAll().where('id', '=', id).where('archived_at', 'is', null).executeTakeFirst();
}

export async function createSavedReply(db: Executor, r: { title: string; body: string; createdBy: string }): Promise<number> {
  const row = await db
    .insertInto('saved_replies')
    .values({ title: r.title, body: r.body, created_by: r.createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
