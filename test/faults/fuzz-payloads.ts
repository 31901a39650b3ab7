import { signWebhook } from '../../src/sources/webhook.js';
import { ACTION, INPUT, MORE, VIEW } from '../../src/slack/ids.js';
import { WEBHOOK_SECRET } from '../support/app.js';
import { blockAction, commandBody, interactionBody, slackHeaders, viewSubmission } from '../support/slack-requests.js';

/**
 * Random and mutated requests for /ingest/mentions and /slack/events: valid shapes bent in every
 * way a careless or hostile sender might (wrong types, missing and extra fields, prototype keys,
 * huge and deep values, broken JSON and form encoding, odd content types), signed correctly,
 * signed wrongly, or not signed. Deterministic for a given random source.
 */

export interface FuzzRequest {
  path: '/ingest/mentions' | '/slack/events';
  body: string | Buffer;
  headers: Record<string, string>;
  /** What was done to it, for a failure message. */
  label: string;
}

type Rng = () => number;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
/** A short description of any value (a mutated one may have a `toString` that is not a function). */
function safeLabel(v: unknown): string {
  try {
    return (typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v)).slice(0, 40);
  } catch {
    return typeof v;
  }
}
const int = (rng: Rng, n: number) => Math.floor(rng() * n);

const WEIRD_STRINGS = [
  '',
  ' ',
  '<!channel> <@U123> <!subteam^S1> <https://evil.example|click>',
  '\u0000\u0001\u0002',
  '\ud800',
  '😀'.repeat(300),
  'x'.repeat(70_000),
  '../../etc/passwd',
  "'; drop table mentions; --",
  '{"a":1}',
  'NaN',
  '1e309',
  '-1',
  '2026-13-45T99:99:99Z',
  'null',
  '__proto__',
  '\u202e\u2066',
];

function weirdValue(rng: Rng, depth = 0): unknown {
  switch (int(rng, 12)) {
    case 0:
      return null;
    case 1:
      return pick(rng, [0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return pick(rng, [true, false]);
    case 3:
      return pick(rng, WEIRD_STRINGS);
    case 4:
      return depth > 2 ? [] : Array.from({ length: int(rng, 4) }, () => weirdValue(rng, depth + 1));
    case 5:
      return depth > 2 ? {} : { [pick(rng, ['a', '__proto__', 'constructor', 'toString', ''])]: weirdValue(rng, depth + 1) };
    case 6: {
      // Deep nesting.
      let v: unknown = 1;
      for (let i = 0; i < 200 + int(rng, 2000); i++) v = [v];
      return v;
    }
    case 7:
      return new Date(rng() * 4e12).toISOString();
    case 8:
      return String(int(rng, 1e6));
    case 9:
      return int(rng, 50);
    case 10:
      return {};
    default:
      return [];
  }
}

/** Changes, removes or adds a field somewhere in a JSON value (in place); returns a description. */
function mutateJson(rng: Rng, root: Record<string, unknown>): string {
  const paths: { parent: Record<string, unknown> | unknown[]; key: string | number; path: string }[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (depth > 6 || v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      paths.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k, path: `${path}.${k}` });
      walk(child, `${path}.${k}`, depth + 1);
    }
  };
  walk(root, '$', 0);
  if (paths.length === 0) return 'nothing to mutate';
  const target = pick(rng, paths);
  const parent = target.parent as Record<string | number, unknown>;
  switch (int(rng, 4)) {
    case 0:
      delete parent[target.key];
      return `deleted ${target.path}`;
    case 1:
      parent[`extra_${int(rng, 100)}`] = weirdValue(rng);
      return `added to ${target.path}`;
    case 2:
      Object.defineProperty(parent, '__proto__', { value: weirdValue(rng), enumerable: true, configurable: true, writable: true });
      return `__proto__ key beside ${target.path}`;
    default:
      parent[target.key] = weirdValue(rng);
      return `replaced ${target.path}`;
  }
}

function validMention(rng: Rng, i: number): Record<string, unknown> {
  return {
    source: pick(rng, ['facebook', 'instagram', 'tiktok', 'x']),
    id: `fuzz-${i}-${int(rng, 1e9)}`,
    url: 'https://social.example/p/1',
    text: pick(rng, ['Where is my order?', 'love it', 'refund now!!!', WEIRD_STRINGS[2]!]),
    author: { id: String(int(rng, 1e6)), handle: `fz${int(rng, 500)}`, name: 'Fuzz', followers: int(rng, 1e6) },
    posted_at: new Date(Date.now() - int(rng, 1e7)).toISOString(),
  };
}

function signature(rng: Rng, body: string | Buffer): { headers: Record<string, string>; how: string } {
  const now = Math.floor(Date.now() / 1000);
  switch (int(rng, 8)) {
    case 0:
      return { headers: {}, how: 'unsigned' };
    case 1:
      return { headers: { 'x-earshot-timestamp': String(now), 'x-earshot-signature': signWebhook('wrong-secret-0123456789', now, body) }, how: 'wrong secret' };
    case 2:
      return { headers: { 'x-earshot-timestamp': String(now - 3600), 'x-earshot-signature': signWebhook(WEBHOOK_SECRET, now - 3600, body) }, how: 'stale timestamp' };
    case 3:
      return { headers: { 'x-earshot-timestamp': pick(rng, ['abc', '', '-5', '99999999999999', '1e10']), 'x-earshot-signature': pick(rng, ['v1=', 'v1=zz', 'garbage', '']) }, how: 'garbage headers' };
    default:
      return { headers: { 'x-earshot-timestamp': String(now), 'x-earshot-signature': signWebhook(WEBHOOK_SECRET, now, body) }, how: 'signed' };
  }
}

function webhookRequest(rng: Rng, i: number): FuzzRequest {
  let body: string | Buffer;
  let what: string;
  const kind = int(rng, 10);
  if (kind < 6) {
    const batch = int(rng, 3) === 0;
    const json: Record<string, unknown> = batch ? { mentions: Array.from({ length: 1 + int(rng, 5) }, (_, k) => validMention(rng, i * 10 + k)) } : validMention(rng, i);
    const n = int(rng, 3);
    const changes = Array.from({ length: n }, () => mutateJson(rng, json));
    body = JSON.stringify(json);
    what = `${batch ? 'batch' : 'mention'} ${changes.join(', ') || 'valid'}`;
  } else if (kind === 6) {
    const valid = JSON.stringify({ mentions: [validMention(rng, i)] });
    const bytes = Buffer.from(valid);
    const op = int(rng, 3);
    if (op === 0) body = bytes.subarray(0, int(rng, bytes.length));
    else if (op === 1) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k < 1 + int(rng, 5); k++) copy[int(rng, copy.length)] = int(rng, 256);
      body = copy;
    } else body = Buffer.from(Array.from({ length: int(rng, 400) }, () => int(rng, 256)));
    what = ['truncated', 'bytes flipped', 'random bytes'][op]!;
  } else if (kind === 7) {
    body = JSON.stringify(weirdValue(rng));
    what = 'random JSON';
  } else if (kind === 8) {
    body = JSON.stringify({ mentions: Array.from({ length: pick(rng, [0, 1001, 1500]) }, (_, k) => validMention(rng, k)) });
    what = 'too many or no mentions';
  } else {
    // Over the 1 MB limit, now and then.
    body = int(rng, 20) === 0 ? JSON.stringify({ mentions: [{ ...validMention(rng, i), text: 'y'.repeat(1_100_000) }] }) : JSON.stringify({ mentions: [{ ...validMention(rng, i), text: 'y'.repeat(39_000) }] });
    what = 'large';
  }
  const sig = signature(rng, body);
  const contentType = pick(rng, ['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
  return { path: '/ingest/mentions', body, headers: { 'content-type': contentType, ...sig.headers }, label: `webhook ${what}, ${sig.how}` };
}

function slackPayload(rng: Rng, mentionIds: number[], responseUrl: string): { body: string; label: string; contentType?: string } {
  const id = () => String(pick(rng, [...mentionIds, 0, -1, 999_999]));
  const user = `UFZ${int(rng, 5)}`;
  switch (int(rng, 8)) {
    case 0:
    case 1: {
      const actionId = pick(rng, [ACTION.claim, ACTION.claim, ACTION.escalate, ACTION.reply, ACTION.retryReply]);
      const p = blockAction({ user, actionId, value: pick(rng, [id(), id(), 'abc', '', '1e309', '{"x":1}']) });
      const m = int(rng, 3) > 0 ? mutateJson(rng, p) : 'valid';
      return { body: interactionBody(p), label: `block_actions ${actionId} ${m}` };
    }
    case 2: {
      const p = blockAction({ user, actionId: ACTION.more, type: 'overflow', selectedOption: `${pick(rng, Object.values(MORE))}:${id()}` });
      const m = int(rng, 2) > 0 ? mutateJson(rng, p) : 'valid';
      return { body: interactionBody(p), label: `overflow ${m}` };
    }
    case 3: {
      const callbackId = pick(rng, Object.values(VIEW));
      const p = viewSubmission({
        user,
        callbackId,
        privateMetadata: pick(rng, [JSON.stringify({ mentionId: Number(id()), channel: 'CTRIAGE01' }), '', '{', 'null', '[]']),
        values: {
          [INPUT.replyText.block]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: pick(rng, ['Sorry about that!', '', 'z'.repeat(400)]) } },
          [INPUT.escalateReason.block]: { [INPUT.escalateReason.action]: { type: 'plain_text_input', value: 'root cause' } },
          [INPUT.closeKind.block]: { [INPUT.closeKind.action]: { type: 'static_select', selected_option: { value: pick(rng, ['spam', 'no_reply_needed', 'x']) } } },
          [INPUT.reassignUser.block]: { [INPUT.reassignUser.action]: { type: 'users_select', selected_user: pick(rng, ['U1', '', 'x']) } },
        },
      });
      const m = int(rng, 3) > 0 ? mutateJson(rng, p) : 'valid';
      return { body: interactionBody(p), label: `view_submission ${callbackId} ${m}` };
    }
    case 4: {
      const text = pick(rng, ['', '30d', '7d me', 'today <@U1>', 'export 24h', 'garbage words', '<@UFZ1|x> 90d', 'export', '%%%', 'x'.repeat(3000)]);
      return { body: commandBody({ user, text, responseUrl, command: pick(rng, ['/social-stats', '/social-stats', '/other']) }), label: `command "${text.slice(0, 20)}"` };
    }
    case 5: {
      const event = { type: 'event_callback', team_id: 'T0FAKE', api_app_id: 'A0FAKE', event_id: `Ev${int(rng, 1e9)}`, event_time: 1, event: { type: pick(rng, ['app_home_opened', 'app_home_opened', 'message', 'reaction_added']), user, tab: pick(rng, ['home', 'messages']), channel: 'D1' } };
      const m = int(rng, 2) > 0 ? mutateJson(rng, event) : 'valid';
      return { body: JSON.stringify(event), contentType: 'application/json', label: `event ${m}` };
    }
    case 6:
      return pick(rng, [
        { body: JSON.stringify({ type: 'url_verification', challenge: 'abc', token: 'x' }), contentType: 'application/json', label: 'url_verification' },
        { body: 'ssl_check=1&token=x', label: 'ssl_check' },
        { body: 'payload=%ZZ%', label: 'broken form encoding' },
        { body: `payload=${encodeURIComponent('{"type":"block_actions",')}`, label: 'broken payload JSON' },
        { body: `payload=${encodeURIComponent(JSON.stringify(weirdValue(rng)))}`, label: 'random payload JSON' },
        { body: '{"type":', contentType: 'application/json', label: 'broken JSON' },
        { body: '', label: 'empty body' },
      ]);
    default: {
      const p = { type: pick(rng, ['block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion', 'nonsense']), user: { id: user }, team: { id: 'T0FAKE' } } as Record<string, unknown>;
      mutateJson(rng, p);
      return { body: interactionBody(p), label: `bare ${safeLabel(p.type)}` };
    }
  }
}

function slackRequest(rng: Rng, mentionIds: number[], responseUrl: string): FuzzRequest {
  const p = slackPayload(rng, mentionIds, responseUrl);
  const contentType = p.contentType ?? 'application/x-www-form-urlencoded';
  const now = Math.floor(Date.now() / 1000);
  const how = int(rng, 6);
  let headers: Record<string, string>;
  let signed: string;
  if (how <= 2) {
    headers = slackHeaders(p.body, { contentType });
    signed = 'signed';
  } else if (how === 3) {
    headers = { 'content-type': contentType };
    signed = 'unsigned';
  } else if (how === 4) {
    headers = slackHeaders(p.body, { contentType, secret: 'not-the-signing-secret' });
    signed = 'wrong secret';
  } else {
    headers = slackHeaders(p.body, { contentType, timestamp: now - 3600 });
    signed = 'stale';
  }
  return { path: '/slack/events', body: p.body, headers, label: `slack ${p.label}, ${signed}` };
}

/** `n` requests, alternating between the two endpoints; slash commands answer at `responseUrl`. */
export function fuzzRequests(rng: Rng, n: number, mentionIds: number[], responseUrl: () => string): FuzzRequest[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? webhookRequest(rng, i) : slackRequest(rng, mentionIds, responseUrl())));
}
