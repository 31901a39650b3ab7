/**
 * What a failed Slack Web API call means for work that must not be lost:
 * - rate_limited: wait for Retry-After, then again;
 * - uncertain: no answer (timeout, connection reset, 5xx): the call may have taken effect, so a
 *   post is looked up before it is sent again;
 * - transient: Slack answered that it failed; try again later;
 * - configuration: the app is not set up right (token, scopes, channel); keep the work and retry
 *   slowly so it goes out once someone fixes the set-up;
 * - permanent: this message can never be sent (our bug, or the card was deleted).
 */
export type SlackFailureKind = 'rate_limited' | 'uncertain' | 'transient' | 'configuration' | 'permanent';

export interface SlackFailure {
  kind: SlackFailureKind;
  error: string;
  retryAfterSeconds?: number;
}

const CONFIGURATION = new Set([
  'not_in_channel',
  'channel_not_found',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'is_archived',
  'team_access_not_granted',
  'restricted_action',
  'ekm_access_denied',
  'no_permission',
]);

const PERMANENT = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
  'invalid_thread_ts',
]);

export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string; original?: { code?: string } };
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'rate_limited', error: 'ratelimited', retryAfterSeconds: e.retryAfter ?? 1 };
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited') return { kind: 'rate_limited', error: code, retryAfterSeconds: 1 };
      if (CONFIGURATION.has(code)) return { kind: 'configuration', error: code };
      if (PERMANENT.has(code)) return { kind: 'permanent', error: code };
      return { kind: 'transient', error: code };
    }
    case 'slack_webapi_http_error':
      return { kind: 'uncertain', error: `http_${e.statusCode ?? 'error'}` };
    case 'slack_webapi_request_error':
      return { kind: 'uncertain', error: `request_error: ${e.original?.code ?? e.message ?? 'network'}` };
    default:
      return { kind: 'uncertain', error: e?.message ?? String(err) };
  }
}

/** What to do about a Slack error, in words for the log and the README's troubleshooting table. */
export function slackErrorHint(error: string): string | undefined {
  switch (error) {
    case 'not_in_channel':
      return 'invite the bot to the channel: /invite @earshot';
    case 'channel_not_found':
      return 'check SLACK_TRIAGE_CHANNEL / SLACK_ESCALATION_CHANNEL: use the channel id (C…), and invite the bot if the channel is private';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is wrong or revoked: copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions';
    case 'missing_scope':
      return 'the app lacks a scope: reinstall it from manifest.yml (Features → App Manifest), then reinstall to the workspace';
    case 'is_archived':
      return 'the channel is archived: unarchive it or point earshot at another channel';
    default:
      return undefined;
  }
}
