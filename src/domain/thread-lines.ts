import type { CloseKind } from './lifecycle.js';
import type { ReplyDestination } from './sources.js';

/**
 * What a line in a card's thread tells: who did what, when. Services queue it as data in the
 * outbox; the sender renders it into mrkdwn when it posts (`slack/blocks/thread-lines.ts`). Times
 * are ISO strings and texts are stored as written: the job's payload is JSON, escaped only when sent.
 */
export type ThreadLine =
  | { kind: 'claimed'; actor: string; at: string }
  | { kind: 'released'; actor: string; at: string; backInPool: boolean }
  | { kind: 'reassigned'; actor: string; to: string; at: string }
  | { kind: 'escalated'; actor: string; at: string; severity: string; category: string; reason: string }
  | { kind: 'resolved'; actor: string; at: string }
  | { kind: 'closed_no_reply'; actor: string; at: string; closeKind: Exclude<CloseKind, 'resolved'>; reason: string }
  | { kind: 'replied'; actor: string; at: string; mode: 'public' | 'dm'; destination: ReplyDestination; url: string | null; text: string }
  | { kind: 'replied_after_close'; actor: string; at: string; url: string | null; text: string }
  | { kind: 'customer_post'; at: string; author: { handle: string; name: string | null }; url: string | null; text: string }
  | { kind: 'brand_reply'; at: string; source: string; url: string | null; text: string };
