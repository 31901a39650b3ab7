/**
 * The reply-out port for Bluesky: a public reply posted as the brand, threaded under the post
 * (reply.parent) in its thread (reply.root). Bluesky's public API has no private messages for
 * this, so a direct answer is refused with a reason the person can act on.
 */
import type { MentionRow } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import type { ReplyOut, ReplyTarget, SendOutcome } from '../../services/reply-out.js';
import type { BlueskyClient } from './client.js';
import { BLUESKY_SOURCE, graphemes, postUrl, replyRefs } from './normalise.js';

export const BLUESKY_MAX_GRAPHEMES = 300;

export function blueskyReplySender(d: { client: BlueskyClient; handle: string; logger: Logger }): ReplyOut {
  return {
    destination: BLUESKY_SOURCE,
    handles: (m) => m.source === BLUESKY_SOURCE,
    describe: (m) =>
      `Posted on Bluesky as @${d.handle} when you submit: a public reply under @${m.author_handle}'s post (${BLUESKY_MAX_GRAPHEMES} characters at most). Bluesky has no private answer earshot can send: reply publicly, or write to them in the Bluesky app and record it here.`,
    async send(m: MentionRow, target: ReplyTarget, reply): Promise<SendOutcome> {
      if (reply.mode !== 'public') return { ok: false, reason: 'Bluesky offers no private reply earshot can send; reply publicly instead', retryable: false };
      const n = graphemes(reply.text);
      if (n > BLUESKY_MAX_GRAPHEMES) return { ok: false, reason: `Bluesky allows ${BLUESKY_MAX_GRAPHEMES} characters; this reply has ${n}`, retryable: false };
      // The reply answers the case's latest post (its raw record carries the uri, cid and thread root).
      const refs = replyRefs(target.raw ?? m.raw);
      if (!refs) return { ok: false, reason: 'earshot does not have this post’s Bluesky reference (uri and cid), so it cannot thread a reply', retryable: false };
      const r = await d.client.call('write', async (a) => {
        const res = await a.com.atproto.repo.createRecord({
          repo: a.session?.did ?? d.handle,
          collection: 'app.bsky.feed.post',
          record: { $type: 'app.bsky.feed.post', text: reply.text, createdAt: new Date().toISOString(), reply: refs },
        });
        return { data: res.data, headers: res.headers };
      });
      if (!r.ok) {
        d.logger.warn({ mentionId: m.id, status: r.status, error: r.error }, `Bluesky refused the reply: ${r.reason}`);
        return { ok: false, reason: r.kind === 'waiting' ? `Bluesky is not taking posts right now (${r.reason}); nothing was sent` : `Bluesky refused the reply: ${r.reason}`, retryable: r.kind === 'waiting' || (r.status ?? 500) >= 500 };
      }
      return { ok: true, externalId: r.data.uri, url: postUrl(r.data.uri, d.handle) };
    },
  };
}
