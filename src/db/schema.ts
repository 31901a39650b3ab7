import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { MentionStatus } from '../domain/lifecycle.js';
import type { Priority } from '../domain/priority.js';

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, T | string, T | string>;

export type { MentionStatus };

export interface MentionsTable {
  id: Generated<number>;
  source: string;
  external_id: string;
  url: string | null;
  text: string;
  author_external_id: string | null;
  author_handle: string;
  author_name: string | null;
  author_followers: number | null;
  posted_at: Timestamp;
  received_at: ColumnType<Date, Date | string | undefined, Date | string>;
  lang: string | null;
  conversation_id: string | null;
  sentiment_score: number | null;
  sentiment_label: string | null;
  priority: ColumnType<Priority, Priority | undefined>;
  priority_reasons: ColumnType<string[], string | undefined, string>;
  first_contact: ColumnType<boolean, boolean | undefined>;
  status: ColumnType<MentionStatus, MentionStatus | undefined>;
  owner_id: string | null;
  claimed_at: Timestamp | null;
  escalated_at: Timestamp | null;
  escalated_by: string | null;
  escalation_severity: string | null;
  escalation_category: string | null;
  escalation_reason: string | null;
  first_response_at: Timestamp | null;
  first_response_by: string | null;
  closed_at: Timestamp | null;
  closed_by: string | null;
  close_kind: string | null;
  close_reason: string | null;
  sla_warn_at: Timestamp;
  sla_due_at: Timestamp;
  card_channel: string | null;
  card_ts: string | null;
  raw: Json<unknown> | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Conversations (migration 0008): a row of this table is a case; its posts are in `posts`. */
  customer_posts: ColumnType<number, number | undefined, number>;
  last_customer_post_at: Timestamp | null;
  last_brand_reply_at: Timestamp | null;
  /** Since when the customer has waited for the brand's (next) answer; null: not waiting. */
  waiting_since: Timestamp | null;
  previous_case_id: number | null;
  reopened_count: ColumnType<number, number | undefined, number>;
  /** The latest customer post's text when the case has more than one (migration 0009). */
  last_customer_text: string | null;
  /** The card of the earlier case this one follows (migration 0009). */
  previous_card_channel: string | null;
  previous_card_ts: string | null;
}

export type PostDirection = 'inbound' | 'outbound';
/** How a brand post was made: from Slack through earshot, or on the network directly. */
export type PostVia = 'earshot' | 'outside';

/** Every post of a case: the customer's (inbound) and the brand's (outbound). */
export interface PostsTable {
  id: Generated<string>;
  case_id: number;
  source: string;
  external_id: string;
  direction: ColumnType<PostDirection, PostDirection | undefined, PostDirection>;
  via: PostVia | null;
  reply_id: number | null;
  in_reply_to: string | null;
  conversation_id: string | null;
  url: string | null;
  text: string;
  author_external_id: string | null;
  author_handle: string | null;
  author_name: string | null;
  posted_at: Timestamp;
  received_at: ColumnType<Date, Date | string | undefined, Date | string>;
  raw: Json<unknown> | null;
}

/** Each wait of the customer for the brand and how it ended (first response, next responses). */
export interface CaseResponsesTable {
  id: Generated<string>;
  case_id: number;
  kind: 'first' | 'next';
  waiting_since: Timestamp;
  due_at: Timestamp;
  responded_at: Timestamp;
  via: PostVia;
  responder_id: string | null;
  post_id: string | null;
}

export interface MentionEventsTable {
  id: Generated<string>;
  mention_id: number;
  kind: string;
  actor_id: string | null;
  from_status: string | null;
  to_status: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  at: ColumnType<Date, Date | string | undefined, never>;
}

export interface RepliesTable {
  id: Generated<number>;
  mention_id: number;
  slack_user_id: string;
  text: string;
  mode: 'public' | 'dm';
  destination: 'x' | 'bluesky' | 'mastodon' | 'elsewhere';
  status: 'sending' | 'sent' | 'failed';
  external_id: string | null;
  external_url: string | null;
  error: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  sent_at: Timestamp | null;
  /** The submission that asked for it (Slack view id and hash): one reply per submission. */
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SavedRepliesTable {
  id: Generated<number>;
  title: string;
  body: string;
  created_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  archived_at: Timestamp | null;
}

export type SlackJobKind = 'post_card' | 'update_card' | 'thread_reply' | 'post_message';

export interface SlackJobsTable {
  id: Generated<string>;
  kind: SlackJobKind;
  mention_id: number | null;
  channel: string;
  dedupe_key: string | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  priority: ColumnType<number, number | undefined>;
  status: ColumnType<'pending' | 'done' | 'failed', 'pending' | undefined>;
  rerun: ColumnType<boolean, boolean | undefined>;
  attempts: ColumnType<number, number | undefined>;
  run_after: ColumnType<Date, Date | string | undefined>;
  locked_until: Timestamp | null;
  locked_by: string | null;
  first_attempt_at: Timestamp | null;
  done_at: Timestamp | null;
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  last_error: string | null;
  /** An attempt was leased and has not ended with an answer (a crash leaves it set). */
  in_flight: ColumnType<boolean, boolean | undefined>;
  /** An earlier attempt may have reached Slack: look the message up before sending again. */
  delivery_unknown: ColumnType<boolean, boolean | undefined>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface SlackChannelPaceTable {
  channel: string;
  next_at: Date;
}

export interface AppStateTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/**
 * The SLA sweep's bookkeeping of a case (migration 0013, kept by src/jobs/sla-sweep.ts), off the
 * mention row so the sweep's writes touch two indexes and no statistics trigger. No row: nothing
 * scheduled, nothing reminded yet.
 */
export interface SlaChecksTable {
  mention_id: number;
  /** When the sweep must look at the case again; null: nothing is scheduled. */
  next_check_at: Timestamp | null;
  /** Last SLA stage reminded: 0 none, 1 warning, 2 overdue, 2 + k the k-th repeat after the deadline. */
  stage: ColumnType<number, number | undefined, number>;
  follow_ups: ColumnType<number, number | undefined, number>;
  follow_up_at: Timestamp | null;
}

/** A brand post waiting for the post it answers to be stored (migration 0015). */
export interface BrandPostsWaitingTable {
  source: string;
  external_id: string;
  in_reply_to: string;
  post: ColumnType<unknown, string, string>;
  seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Who opened the App Home lately (migration 0004): their views are refreshed after a change. */
export interface HomeViewersTable {
  user_id: string;
  opened_at: Timestamp;
}

export interface DB {
  mentions: MentionsTable;
  mention_events: MentionEventsTable;
  replies: RepliesTable;
  saved_replies: SavedRepliesTable;
  slack_jobs: SlackJobsTable;
  slack_channel_pace: SlackChannelPaceTable;
  app_state: AppStateTable;
  home_viewers: HomeViewersTable;
  posts: PostsTable;
  case_responses: CaseResponsesTable;
  sla_checks: SlaChecksTable;
  brand_posts_waiting: BrandPostsWaitingTable;
}

export type MentionRow = Selectable<MentionsTable>;
export type NewMention = Insertable<MentionsTable>;
export type MentionUpdate = Updateable<MentionsTable>;
export type SlackJobRow = Selectable<SlackJobsTable>;
export type ReplyRow = Selectable<RepliesTable>;
export type SavedReplyRow = Selectable<SavedRepliesTable>;
export type PostRow = Selectable<PostsTable>;
export type NewPost = Insertable<PostsTable>;
export type CaseResponseRow = Selectable<CaseResponsesTable>;
