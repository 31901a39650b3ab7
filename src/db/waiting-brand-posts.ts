import { sql } from 'kysely';
import type { IncomingMention } from '../domain/mention.js';
import type { Executor } from './database.js';
import type { PostKey } from './posts.js';

/**
 * Brand posts that answer a post not stored yet (migrations/0015_waiting_brand_posts.ts): kept
 * until that post arrives, then taken and recorded in its case by the ingest that stores it.
 */

/** How long a brand post waits for the post it answers (one that never comes answered something else). */
export const WAITING_BRAND_POST_RETENTION_MS = 7 * 24 * 3_600_000;

type StoredMention = Omit<IncomingMention, 'postedAt'> & { postedAt: string };

/** Keeps brand posts (each with `inReplyTo`) waiting; one already waiting stays as it is. */
export async function keepWaiting(db: Executor, posts: IncomingMention[]): Promise<void> {
  const rows = posts.filter((p) => p.inReplyTo);
  if (rows.length === 0) return;
  await db
    .insertInto('brand_posts_waiting')
    .values(rows.map((p) => ({ source: p.source, external_id: p.externalId, in_reply_to: p.inReplyTo!, post: JSON.stringify({ ...p, postedAt: p.postedAt.toISOString() } satisfies StoredMention) })))
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .execute();
}

/**
 * Takes (deletes and returns) the brand posts waiting for any of `answered`: inside the
 * transaction that stores those posts, so a waiting post is recorded once, or stays waiting.
 */
export async function takeWaitingFor(db: Executor, answered: PostKey[]): Promise<IncomingMention[]> {
  if (answered.length === 0) return [];
  const { rows } = await sql<{ post: StoredMention }>`
    delete from brand_posts_waiting w
     using unnest(${answered.map((k) => k.source)}::text[], ${answered.map((k) => k.externalId)}::text[]) as a(source, external_id)
     where w.source = a.source and w.in_reply_to = a.external_id
    returning w.post`.execute(db);
  return rows.map(({ post }) => ({ ...post, postedAt: new Date(post.postedAt) }));
}

/** Deletes the brand posts that waited longer than the retention; returns how many. */
export async function pruneWaitingBrandPosts(db: Executor, now: Date, retentionMs = WAITING_BRAND_POST_RETENTION_MS): Promise<number> {
  const r = await db.deleteFrom('brand_posts_waiting').where('seen_at', '<', new Date(now.getTime() - retentionMs)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
