import type { Executor } from './database.js';
import type { ReplyRow, SavedReplyRow } from './schema.js';

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
