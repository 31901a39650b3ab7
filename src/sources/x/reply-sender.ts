/**
 * The reply-out port for mentions read from X: with the brand's user-context credentials the
 * Reply modal posts a public reply to the post or a DM to its author, as the brand. A refusal
 * comes back as `{ok:false, reason}` so the person is told why and the mention stays unanswered.
 */
import type { TwitterApi } from 'twitter-api-v2';
import type { MentionRow } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { ReplyOut, ReplyTarget, SendOutcome } from '../../services/reply-out.js';
import { sendDirectMessage } from './client.js';
import { describeXError } from './errors.js';
import type { XHealth } from './health.js';
import { X_SOURCE, postUrl } from './normalise.js';
import type { RateGate } from './rate-gate.js';

export interface XReplySenderDeps {
  client: TwitterApi;
  /** The brand's handle, for links to its replies. */
  brandUsername?: string;
  logger: Logger;
  metrics?: Metrics;
  health?: XHealth;
  /** Remembers a 429 on posting or DMs, so nothing is sent to that endpoint before the reset. */
  gate?: RateGate;
}

/** X ids are decimal snowflakes; anything else never reaches an X URL or body. */
const X_ID = /^\d{1,20}$/;

/**
 * Only posts earshot read from X itself: the stored raw post is X's, with the same id. A row
 * that merely says `source: x` (written before the webhook refused native sources) is not.
 */
export function readFromX(m: MentionRow): boolean {
  if (m.source !== X_SOURCE) return false;
  const raw = m.raw as { tweet?: { id?: unknown } } | null;
  return typeof raw?.tweet?.id === 'string' && raw.tweet.id === m.external_id;
}

export function xReplySender(deps: XReplySenderDeps): ReplyOut {
  const brand = deps.brandUsername ? `@${deps.brandUsername}` : 'the brand account';
  const count = (endpoint: 'tweet' | 'dm', status: string) => deps.metrics?.xRequests.inc({ endpoint, status });

  const fail = (endpoint: 'tweet' | 'dm', m: MentionRow, err: unknown): SendOutcome => {
    const d = describeXError(err);
    count(endpoint, d.status ? String(d.status) : d.code);
    if (d.status === 429) {
      deps.gate?.failure(endpoint, d);
      deps.metrics?.xRateLimitWaits.inc({ endpoint });
    }
    deps.health?.failed('write', endpoint, d);
    deps.logger.warn({ mentionId: m.id, endpoint, status: d.status, code: d.code }, `X refused the reply: ${d.reason}`);
    return { ok: false, reason: d.reason, retryable: d.retryable };
  };

  return {
    destination: 'x',
    handles: readFromX,
    describe: (m) =>
      `Sent on X as ${brand} when you submit: a public reply goes under @${m.author_handle}'s post (280 characters at most), a direct message goes to @${m.author_handle}. The card links to it.`,
    async send(m, target: ReplyTarget, reply) {
      const endpoint = reply.mode === 'public' ? 'tweet' : 'dm';
      const wait = deps.gate?.peek(endpoint);
      if (wait) {
        const at = `${wait.toISOString().slice(11, 16)} UTC`;
        return { ok: false, reason: `X's rate limit for ${reply.mode === 'public' ? 'posting replies' : 'direct messages'} is used up until ${at}; nothing was sent`, retryable: true };
      }
      if (!readFromX(m)) return { ok: false, reason: 'earshot did not read this post from X, so it does not reply to it on X', retryable: false };
      if (reply.mode === 'public') {
        if (!X_ID.test(target.externalId)) return { ok: false, reason: `the post id ${JSON.stringify(target.externalId)} is not an X id; nothing was sent`, retryable: false };
        try {
          const res = await deps.client.v2.reply(reply.text, target.externalId);
          count('tweet', '201');
          deps.health?.resolved('write');
          return { ok: true, externalId: res.data.id, url: postUrl(deps.brandUsername, res.data.id) };
        } catch (err) {
          return fail('tweet', m, err);
        }
      }
      if (!target.authorExternalId) {
        return { ok: false, reason: `earshot does not know @${target.authorHandle}'s X user id, so it cannot send a direct message; reply publicly instead`, retryable: false };
      }
      if (!X_ID.test(target.authorExternalId)) {
        return { ok: false, reason: `@${target.authorHandle}'s user id is not an X id; nothing was sent`, retryable: false };
      }
      try {
        const dm = await sendDirectMessage(deps.client, target.authorExternalId, reply.text);
        count('dm', '201');
        deps.health?.resolved('write');
        return { ok: true, externalId: dm.dmEventId, url: `https://x.com/messages/${dm.dmConversationId}` };
      } catch (err) {
        return fail('dm', m, err);
      }
    },
  };
}
