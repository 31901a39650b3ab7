import type { webApi } from '@slack/bolt';
import type { MentionRow } from '../../db/schema.js';
import type { OutboxJob } from '../../db/slack-jobs.js';
import type { Logger } from '../../logger.js';

export const METADATA_TYPE = 'earshot_job';

/** The metadata every posted message carries, so a later attempt can find it. */
export function jobMetadata(job: Pick<OutboxJob, 'id'>, mentionId: number | undefined) {
  return { event_type: METADATA_TYPE, event_payload: { job_id: String(job.id), mention_id: mentionId ?? 0 } };
}

/** Kinds whose repeat would be a second message (a card refresh is an edit: repeating it is harmless). */
export const POSTING_KINDS: ReadonlySet<OutboxJob['kind']> = new Set(['post_card', 'thread_reply', 'post_message']);

/**
 * Did an earlier attempt of this job reach Slack? Looks for its message by metadata: in the card's
 * thread for a thread line or reminder, in the channel's history otherwise. A lookup that fails
 * throws: posting without knowing would post twice, so the job waits and looks again.
 */
export async function findPosted(client: webApi.WebClient, job: OutboxJob, m: MentionRow | undefined, logger: Logger): Promise<string | undefined> {
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
    logger.warn({ job: job.id, kind: job.kind, err }, 'outbox: could not check whether an interrupted post reached Slack; will look again before posting');
    throw err;
  }
  return undefined;
}
