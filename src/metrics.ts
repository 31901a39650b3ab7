import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Slack error codes the metrics name; any other code counts as `other`. The label comes from a
 * remote answer, and every distinct value is a new time series kept for the life of the process.
 */
export const SLACK_ERROR_LABELS = new Set([
  'ratelimited',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'thread_not_found',
  'msg_too_long',
  'invalid_blocks',
  'invalid_arguments',
  'no_text',
  'missing_scope',
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'restricted_action',
  'user_not_found',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'network',
  'unknown',
]);

export function slackErrorLabel(code: string): string {
  if (SLACK_ERROR_LABELS.has(code)) return code;
  const http = /^http_([1-5])\d\d$/.exec(code);
  if (http) return `http_${http[1]}xx`;
  if (code.startsWith('request_error')) return 'request_error';
  return 'other';
}

function bucketed(counter: Counter<'error'>) {
  return { inc: (labels: { error: string }, value?: number) => counter.inc({ error: slackErrorLabel(labels.error) }, value) };
}

/** Prometheus metrics, one registry per app instance (tests run several in one process). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'earshot_' }); // earshot_process_cpu_seconds_total, earshot_nodejs_…
  const m = {
    registry,
    mentionsIngested: new Counter({ name: 'earshot_mentions_ingested_total', help: 'Mentions stored, by source', labelNames: ['source'], registers: [registry] }),
    mentionsDuplicate: new Counter({ name: 'earshot_mentions_duplicate_total', help: 'Mentions received again and ignored, by source', labelNames: ['source'], registers: [registry] }),
    cardsPosted: new Counter({ name: 'earshot_cards_posted_total', help: 'Mention cards posted to Slack', registers: [registry] }),
    queueDepth: new Gauge({ name: 'earshot_card_queue_depth', help: 'Slack writes waiting in the queue', registers: [registry] }),
    queueFailed: new Gauge({ name: 'earshot_card_queue_failed', help: 'Slack writes given up on (see the log)', registers: [registry] }),
    claims: new Counter({ name: 'earshot_claims_total', help: 'Mentions claimed', registers: [registry] }),
    claimConflicts: new Counter({ name: 'earshot_claim_conflicts_total', help: 'Claims that lost to someone faster', registers: [registry] }),
    replies: new Counter({ name: 'earshot_replies_total', help: 'Replies sent, by destination and mode', labelNames: ['destination', 'mode', 'outcome'], registers: [registry] }),
    firstResponseSeconds: new Histogram({
      name: 'earshot_first_response_seconds',
      help: 'Time from the customer’s post to the first visible reply',
      buckets: [60, 300, 600, 1200, 1800, 2700, 3600, 7200, 14400, 86400],
      registers: [registry],
    }),
    slaBreaches: new Counter({ name: 'earshot_sla_breaches_total', help: 'Mentions that passed their first-response deadline unanswered', registers: [registry] }),
    remindersSent: new Counter({ name: 'earshot_reminders_sent_total', help: 'SLA reminders queued, by kind', labelNames: ['kind'], registers: [registry] }),
    slackErrors: bucketed(new Counter({ name: 'earshot_slack_errors_total', help: 'Failed Slack Web API calls from the queue, by error (known codes; the rest are other)', labelNames: ['error'], registers: [registry] })),
    slackEnvelopesUnacked: new Counter({ name: 'earshot_slack_envelopes_unacked_total', help: 'Socket Mode envelopes not acknowledged within 3 s, by type', labelNames: ['type'], registers: [registry] }),
    slackRateLimited: new Counter({ name: 'earshot_slack_rate_limited_total', help: 'Slack 429 answers obeyed', registers: [registry] }),
    xRequests: new Counter({ name: 'earshot_x_requests_total', help: 'X API requests, by endpoint and status', labelNames: ['endpoint', 'status'], registers: [registry] }),
    xPostsRead: new Counter({ name: 'earshot_x_posts_read_total', help: 'Posts read from X (each one is billed), by source', labelNames: ['source'], registers: [registry] }),
    xPostsSkipped: new Counter({ name: 'earshot_x_posts_skipped_total', help: 'Posts read from X and not carded (own posts, retweets, muted), by reason', labelNames: ['reason'], registers: [registry] }),
    xRateLimitWaits: new Counter({ name: 'earshot_x_rate_limit_waits_total', help: 'Times earshot waited for an X rate-limit reset', labelNames: ['endpoint'], registers: [registry] }),
    postsJoined: new Counter({ name: 'earshot_posts_joined_total', help: 'Customer posts that joined an existing case (no new card), by source', labelNames: ['source'], registers: [registry] }),
    casesReopened: new Counter({ name: 'earshot_cases_reopened_total', help: 'Resolved or closed cases reopened by a customer post, by source', labelNames: ['source'], registers: [registry] }),
    brandRepliesOutside: new Counter({
      name: 'earshot_brand_replies_outside_total',
      help: 'Brand replies made outside earshot and recorded in a case, by source',
      labelNames: ['source'],
      registers: [registry],
    }),
    brandPostsUnmatched: new Counter({
      name: 'earshot_brand_posts_unmatched_total',
      help: 'Brand posts that answer no post earshot knows when they come (kept 7 days for it to arrive), by source',
      labelNames: ['source'],
      registers: [registry],
    }),
    sourceRequests: new Counter({
      name: 'earshot_source_requests_total',
      help: 'Requests to the open networks (Bluesky, Mastodon), by source, endpoint and HTTP status (network_error: no answer)',
      labelNames: ['source', 'endpoint', 'status'],
      registers: [registry],
    }),
    webhookRequests: new Counter({ name: 'earshot_webhook_requests_total', help: 'Webhook requests, by HTTP status', labelNames: ['status'], registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What one ingest did for one source; the conversation counts are absent when nothing of the kind happened. */
export interface IngestCounts {
  accepted: number;
  duplicates: number;
  joined?: number;
  reopened?: number;
  outsideReplies?: number;
  outboundUnmatched?: number;
}

/** Feeds one ingest's per-source counts into the counters, under each source's metric label. */
export function countIngest(m: Metrics, bySource: Record<string, IngestCounts>, label: (source: string) => string = (s) => s): void {
  for (const [name, c] of Object.entries(bySource)) {
    const source = label(name);
    if (c.accepted) m.mentionsIngested.inc({ source }, c.accepted);
    if (c.duplicates) m.mentionsDuplicate.inc({ source }, c.duplicates);
    if (c.joined) m.postsJoined.inc({ source }, c.joined);
    if (c.reopened) m.casesReopened.inc({ source }, c.reopened);
    if (c.outsideReplies) m.brandRepliesOutside.inc({ source }, c.outsideReplies);
    if (c.outboundUnmatched) m.brandPostsUnmatched.inc({ source }, c.outboundUnmatched);
  }
}
