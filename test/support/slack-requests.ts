import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

/** Signs a request body as Slack does: v0=HMAC-SHA256(secret, "v0:{ts}:{body}"). */
export function slackHeaders(body: string, opts: { secret?: string; timestamp?: number; contentType?: string } = {}): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', opts.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${sig}`,
  };
}

let triggerCounter = 0;
export const newTriggerId = () => `${Date.now()}.${++triggerCounter}.trigger`;

export function blockAction(a: {
  user: string;
  actionId: string;
  value?: string;
  channel?: string;
  messageTs?: string;
  selectedOption?: string;
  type?: 'button' | 'overflow' | 'static_select';
  view?: Record<string, unknown>;
  triggerId?: string;
}): Record<string, unknown> {
  const action: Record<string, unknown> =
    a.type === 'overflow' || a.type === 'static_select'
      ? { type: a.type, action_id: a.actionId, block_id: 'b', selected_option: { text: { type: 'plain_text', text: 'x' }, value: a.selectedOption }, action_ts: '1' }
      : { type: 'button', action_id: a.actionId, block_id: 'b', value: a.value, text: { type: 'plain_text', text: 'x' }, action_ts: '1' };
  return {
    type: 'block_actions',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: a.user, username: a.user.toLowerCase(), name: a.user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    token: 'legacy',
    trigger_id: a.triggerId ?? newTriggerId(),
    ...(a.view
      ? { container: { type: 'view', view_id: a.view.id }, view: a.view }
      : {
          container: { type: 'message', message_ts: a.messageTs ?? '1.0', channel_id: a.channel ?? 'CTRIAGE01', is_ephemeral: false },
          channel: { id: a.channel ?? 'CTRIAGE01', name: 'social' },
          message: { type: 'message', ts: a.messageTs ?? '1.0', text: 'card' },
          response_url: 'http://127.0.0.1:9/unused',
        }),
    actions: [action],
  };
}

/** A view_submission, with `values` as block_id → action_id → value object. */
let viewCounter = 0;

export function viewSubmission(v: {
  user: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, Record<string, unknown>>>;
  /** The same id and hash make the same submission (a double click, a retried request); each call gets new ones unless given. */
  viewId?: string;
  hash?: string;
}): Record<string, unknown> {
  viewCounter++;
  return {
    type: 'view_submission',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: v.user, username: v.user.toLowerCase(), name: v.user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    token: 'legacy',
    trigger_id: newTriggerId(),
    view: {
      id: v.viewId ?? `V0FAKE${viewCounter}`,
      team_id: 'T0FAKE',
      type: 'modal',
      callback_id: v.callbackId,
      private_metadata: v.privateMetadata,
      state: { values: v.values },
      hash: v.hash ?? `${viewCounter}.fake`,
      blocks: [],
      title: { type: 'plain_text', text: 'x' },
    },
    response_urls: [],
  };
}

export function interactionBody(payload: Record<string, unknown>): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export function commandBody(c: { user: string; text: string; channel?: string; responseUrl: string; command?: string }): string {
  return new URLSearchParams(commandFields(c)).toString();
}

/** A slash command's fields: form-encoded over HTTP, a JSON object in a Socket Mode envelope. */
export function commandFields(c: { user: string; text: string; channel?: string; responseUrl: string; command?: string }): Record<string, string> {
  return {
    token: 'legacy',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: c.channel ?? 'CTRIAGE01',
    channel_name: 'social',
    user_id: c.user,
    user_name: c.user.toLowerCase(),
    command: c.command ?? '/social-stats',
    text: c.text,
    api_app_id: 'A0FAKE',
    response_url: c.responseUrl,
    trigger_id: newTriggerId(),
  };
}
