import type { Executor } from './database.js';
import type { MentionRow, PostRow } from './schema.js';

/** The fields of a post the Reply modal and the reply-out port need. */
export type ConversationPost = Pick<
  PostRow,
  'id' | 'external_id' | 'direction' | 'via' | 'reply_id' | 'url' | 'text' | 'author_external_id' | 'author_handle' | 'author_name' | 'posted_at' | 'raw'
> & { slack_user_id: string | null };

/**
 * The customer's latest post in a case: the one a reply from the card answers. Served by
 * posts_case_idx (case_id, posted_at), read backwards.
 */
export async function latestCustomerPost(db: Executor, caseId: number): Promise<PostRow | undefined> {
  return db
    .selectFrom('posts')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('direction', '=', 'inbound')
    .orderBy('posted_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The last `limit` posts of a case, the brand's included, oldest first; a brand post sent
 * through earshot carries who sent it (from its reply).
 */
export async function recentPosts(db: Executor, caseId: number, limit: number): Promise<ConversationPost[]> {
  const rows = await db
    .selectFrom('posts as p')
    .leftJoin('replies as r', 'r.id', 'p.reply_id')
    .select([
      'p.id',
      'p.external_id',
      'p.direction',
      'p.via',
      'p.reply_id',
      'p.url',
      'p.text',
      'p.author_external_id',
      'p.author_handle',
      'p.author_name',
      'p.posted_at',
      'p.raw',
      'r.slack_user_id',
    ])
    .where('p.case_id', '=', caseId)
    .orderBy('p.posted_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}

/** A case that has no posts rows yet stands for its own first post. */
export function firstPostOf(m: MentionRow): ConversationPost {
  return {
    id: '0',
    external_id: m.external_id,
    direction: 'inbound',
    via: null,
    reply_id: null,
    url: m.url,
    text: m.text,
    author_external_id: m.author_external_id,
    author_handle: m.author_handle,
    author_name: m.author_name,
    posted_at: m.posted_at,
    raw: m.raw,
    slack_user_id: null,
  };
}
