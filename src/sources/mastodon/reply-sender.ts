/**
 * The reply-out port for Mastodon: a public reply (in_reply_to_id, the post's own visibility) or
 * a private one (visibility direct), both addressed to the author with @acct, which is how
 * Mastodon notifies them. The length limit is the instance's (configuration.statuses).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { ReplyOut, ReplyTarget, SendOutcome } from '../../services/reply-out.js';
import type { MastodonClient } from './client.js';
import { MASTODON_SOURCE, countCharacters, type MastoStatus } from './normalise.js';

interface Limits {
  maxCharacters: number;
  urlLength: number;
}

export function mastodonReplySender(d: { client: MastodonClient; logger: Logger }): ReplyOut & { limits(): Promise<Limits> } {
  let limits: Limits | undefined;
  const loadLimits = async (): Promise<Limits> => {
    if (limits) return limits;
    const r = await d.client.request<{ configuration?: { statuses?: { max_characters?: number; characters_reserved_per_url?: number } } }>('read', 'GET', '/api/v2/instance', { auth: false });
    const s = r.ok ? r.data.configuration?.statuses : undefined;
    const found = { maxCharacters: s?.max_characters ?? 500, urlLength: s?.characters_reserved_per_url ?? 23 };
    if (r.ok) limits = found;
    return found;
  };
  const visibilityOf = (raw: unknown): MastoStatus['visibility'] => {
    const v = (raw as { status?: { visibility?: unknown } } | null)?.status?.visibility;
    return v === 'public' || v === 'unlisted' || v === 'private' || v === 'direct' ? v : 'unlisted';
  };

  return {
    destination: MASTODON_SOURCE,
    handles: (m) => m.source === MASTODON_SOURCE,
    describe: (m) =>
      `Posted on Mastodon as the brand when you submit: a public reply goes under @${m.author_handle}'s post (with their post's visibility), a private one is a direct message to @${m.author_handle}. ${limits ? `${limits.maxCharacters} characters at most.` : ''}`.trim(),
    limits: loadLimits,
    async send(m, target: ReplyTarget, reply): Promise<SendOutcome> {
      // The reply answers the case's latest post, addressed to its author.
      const handle = `@${target.authorHandle}`;
      const text = new RegExp(`(^|\\s)${handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`, 'i').test(reply.text) ? reply.text : `${handle} ${reply.text}`;
      const l = await loadLimits();
      const n = countCharacters(text, l.urlLength);
      if (n > l.maxCharacters) return { ok: false, reason: `this instance allows ${l.maxCharacters} characters; the reply (with ${handle}) has ${n}`, retryable: false };
      const visibility = reply.mode === 'dm' ? 'direct' : visibilityOf(target.raw ?? m.raw);
      // A retry of the same reply (a timeout, a second click) must not post it twice.
      const idempotencyKey = createHash('sha256').update(`${m.id}\u0000${reply.mode}\u0000${reply.text}`).digest('hex');
      const r = await d.client.request<MastoStatus>('write', 'POST', '/api/v1/statuses', { body: { status: text, in_reply_to_id: target.externalId, visibility }, idempotencyKey });
      if (!r.ok) {
        d.logger.warn({ mentionId: m.id, status: r.status }, `Mastodon refused the reply: ${r.reason}`);
        const reason = r.status === 404 ? 'the post is gone from the instance (deleted, or no longer visible to the brand)' : r.reason;
        return { ok: false, reason: r.kind === 'waiting' ? `Mastodon is not taking posts right now (${r.reason}); nothing was sent` : `Mastodon refused the reply: ${reason}`, retryable: r.kind === 'waiting' || (r.status ?? 500) >= 500 };
      }
      return { ok: true, externalId: r.data.id, url: r.data.url ?? r.data.uri };
    },
  };
}
