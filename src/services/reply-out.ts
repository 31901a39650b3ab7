import type { MentionRow } from '../db/schema.js';
import type { ReplyDestination } from '../domain/sources.js';

export type ReplyMode = 'public' | 'dm';

/**
 * The post a reply answers: the customer's latest post of the case (or the case's first post
 * when it has no other). Only what a network's sender needs, so any network can implement it.
 */
export interface ReplyTarget {
  /** The network's id of the post. */
  externalId: string;
  /** The network's id of its author (a direct message goes there), when known. */
  authorExternalId: string | null;
  authorHandle: string;
  url: string | null;
  /** The post as the network sent it, for senders that need more (e.g. a Bluesky cid). */
  raw?: unknown;
}

export type SendOutcome =
  | { ok: true; externalId?: string | null; url?: string | null }
  | { ok: false; reason: string; retryable: boolean };

/**
 * The reply-out port: where a reply typed in Slack goes. The native networks' senders (X, Bluesky, Mastodon) post it; the fallback
 * records it as sent elsewhere (the person posts it themselves and may paste a link).
 */
export interface ReplyOut {
  readonly destination: ReplyDestination;
  /** Whether this sender handles replies to `m`. */
  handles(m: MentionRow): boolean;
  /** One line for the Reply modal saying what will happen on submit. */
  describe(m: MentionRow): string;
  /** Sends the reply to `target`, a post of case `m`. */
  send(m: MentionRow, target: ReplyTarget, reply: { text: string; mode: ReplyMode; link?: string | null }): Promise<SendOutcome>;
}

/** Records the reply as sent outside earshot, with the link the person gave, if any. */
export const recordedElsewhere: ReplyOut = {
  destination: 'elsewhere',
  handles: () => true,
  describe: (m) =>
    `earshot does not post to ${m.source === 'x' ? 'X without user credentials (X_API_KEY…)' : m.source} itself: send the reply there, then record it here (a link to it is welcome). The clock stops when you submit.`,
  send: (_m, _target, reply) => Promise.resolve({ ok: true, url: reply.link ?? null }),
};
