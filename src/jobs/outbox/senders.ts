import type { webApi } from '@slack/bolt';
import type { Clock } from '../../clock.js';
import type { MentionRow } from '../../db/schema.js';
import type { OutboxJob } from '../../db/slack-jobs.js';
import type { SlaPolicy } from '../../domain/sla.js';
import type { Logger } from '../../logger.js';
import { escalationPost } from '../../slack/blocks/escalation.js';
import { mentionCard, safeCard, type SlackMessage } from '../../slack/blocks/mention-card.js';
import { threadLineText } from '../../slack/blocks/thread-lines.js';
import { classifySlackError } from '../../slack/errors.js';
import { jobMetadata } from './reconcile.js';

export interface SendDeps {
  client: webApi.WebClient;
  clock: Clock;
  slaPolicy: SlaPolicy;
  logger: Logger;
}

/** What a send returns: stored as the job's result; `ts`/`channel` of a new card are recorded on the mention. */
export type SendResult = Record<string, unknown> & { ts?: string; channel?: string };

/** Slack errors that refuse a message for what it says, not for how we called. */
const CONTENT_REFUSED = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'invalid_text', 'no_text']);

/**
 * One sender per kind of job. Each renders at send time (cards from the mention row, escalation
 * posts and thread lines from what was queued; a text queued as text is sent as it is), tags the
 * message with the job's metadata for reconciliation, and throws Slack's error for the retry
 * policy to decide.
 */
export async function sendJob(deps: SendDeps, job: OutboxJob, m: MentionRow | undefined): Promise<SendResult> {
  const { client } = deps;
  const metadata = jobMetadata(job, m?.id);
  switch (job.kind) {
    case 'post_card': {
      if (!m) throw new Error('post_card without mention');
      if (m.card_ts) return { ts: m.card_ts, channel: m.card_channel ?? job.channel, alreadyPosted: true };
      const r = await withSafeCard(deps, job, m, (card) =>
        client.chat.postMessage({ channel: job.channel, text: card.text, blocks: card.blocks, metadata, unfurl_links: false, unfurl_media: false }),
      );
      return { ts: r.ts, channel: r.channel, ...(r.safe ? { safeCard: true } : {}) };
    }
    case 'update_card': {
      if (!m?.card_ts || !m.card_channel) throw new Error('update_card before the card exists');
      const { card_ts: ts, card_channel: channel } = m;
      const r = await withSafeCard(deps, job, m, (card) => client.chat.update({ channel, ts, text: card.text, blocks: card.blocks, metadata }));
      return { ts: r.ts };
    }
    case 'thread_reply': {
      if (!m?.card_ts || !m.card_channel) throw new Error('thread_reply before the card exists');
      const p = job.payload;
      const r = await client.chat.postMessage({
        channel: m.card_channel,
        thread_ts: m.card_ts,
        text: 'line' in p ? threadLineText(p.line) : p.text,
        reply_broadcast: p.broadcast === true,
        metadata,
        unfurl_links: false,
        unfurl_media: false,
      });
      return { ts: r.ts };
    }
    case 'post_message': {
      if (!m) throw new Error('escalation post without mention');
      let link: string | undefined;
      if (m.card_ts && m.card_channel) link = (await client.chat.getPermalink({ channel: m.card_channel, message_ts: m.card_ts })).permalink;
      const post = escalationPost(job.payload.escalation, m, link);
      const r = await client.chat.postMessage({ channel: job.channel, text: post.text, blocks: post.blocks, metadata, unfurl_links: false, unfurl_media: false });
      return { ts: r.ts, channel: r.channel };
    }
  }
}

/**
 * Sends the full card; when Slack refuses it for its content, sends the minimal safe card instead
 * (a refused call posted nothing, so this is not a second message).
 */
async function withSafeCard<R extends { ts?: string; channel?: string }>(
  deps: SendDeps,
  job: OutboxJob,
  m: MentionRow,
  send: (card: SlackMessage) => Promise<R>,
): Promise<R & { safe?: boolean }> {
  try {
    return await send(mentionCard(m, { now: deps.clock.now(), slaPolicy: deps.slaPolicy }));
  } catch (err) {
    const c = classifySlackError(err);
    if (c.kind !== 'permanent' || !CONTENT_REFUSED.has(c.error)) throw err;
    deps.logger.warn({ job: job.id, kind: job.kind, mention: m.id, err }, `outbox: Slack refused the card (${c.error}); sending the minimal card instead`);
    return { ...(await send(safeCard(m))), safe: true };
  }
}
