import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { IncomingMention } from '../domain/mention.js';
import { NETWORK_NAMES, isNativeSource } from '../domain/sources.js';

/**
 * `POST /ingest/mentions`: mentions from any network, signed by the sender.
 * Signature: `X-Earshot-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + raw body)>`
 * with `X-Earshot-Timestamp: <unix seconds>` no more than five minutes off.
 */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
export const MAX_SKEW_SECONDS = 5 * 60;

export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`v1:${timestamp}:`);
  mac.update(rawBody);
  return `v1=${mac.digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; error: string };

export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: Buffer,
  now: Date,
): SignatureCheck {
  if (!headers.timestamp) return { ok: false, error: 'missing X-Earshot-Timestamp header' };
  if (!headers.signature) return { ok: false, error: 'missing X-Earshot-Signature header' };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, error: 'X-Earshot-Timestamp must be unix seconds' };
  const skew = Math.abs(now.getTime() / 1000 - Number(headers.timestamp));
  if (skew > MAX_SKEW_SECONDS) {
    return { ok: false, error: `X-Earshot-Timestamp is ${Math.round(skew)} s away from the server's clock (at most ${MAX_SKEW_SECONDS} s allowed)` };
  }
  const expected = Buffer.from(signWebhook(secret, headers.timestamp, rawBody));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, error: 'X-Earshot-Signature does not match the body (expected v1=<hex HMAC-SHA256 of "v1:" + timestamp + ":" + body>)' };
  }
  return { ok: true };
}

const nonEmpty = z.string().trim().min(1, 'must be a non-empty string');

const isoDate = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-24T10:00:00Z',
  });

const httpUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  .nullish();

/** A network's id of a post or thread: a string, or a whole number as some networks send. */
const externalId = z.union([nonEmpty.max(200, 'must be at most 200 characters'), z.number().int().nonnegative().transform(String)], {
  message: 'must be a non-empty string (the network\'s id)',
});

export const OUTBOUND_NEEDS_REPLY_TO = 'an outbound post must say which post it answers (in_reply_to)';

const mentionSchema = z.object({
  source: nonEmpty
    .max(40, 'must be at most 40 characters')
    .regex(/^[a-z0-9_.-]+$/i, 'must be letters, digits, _ . or - (e.g. "facebook")'),
  id: z.union([nonEmpty.max(200, 'must be at most 200 characters'), z.number().int().nonnegative().transform(String)]),
  url: httpUrl,
  text: z.string({ message: 'is required (the text of the post)' }).max(40_000, 'must be at most 40000 characters'),
  author: z.object(
    {
      id: z.union([z.string(), z.number().transform(String)]).nullish(),
      handle: nonEmpty.max(200, 'must be at most 200 characters'),
      name: z.string().max(500).nullish(),
      // Stored in a Postgres integer.
      followers: z.number().int('must be a whole number').nonnegative('must not be negative').max(2_147_483_647, 'must be at most 2147483647').nullish(),
    },
    { message: 'is required: an object with at least "handle"' },
  ),
  posted_at: isoDate,
  lang: z.string().max(20).nullish(),
  // The conversation: the post this one answers (same source), the network's thread id, and
  // whether the customer wrote it or the brand (a reply made on the network, outside earshot).
  in_reply_to: externalId.nullish(),
  conversation_id: externalId.nullish(),
  direction: z.enum(['inbound', 'outbound'], { message: 'must be "inbound" (the default) or "outbound" (the brand\'s own post)' }).nullish(),
}).superRefine((m, ctx) => {
  if (isNativeSource(m.source)) {
    const name = NETWORK_NAMES[m.source.toLowerCase() as keyof typeof NETWORK_NAMES];
    ctx.addIssue({ code: 'custom', path: ['source'], message: `"${m.source}" is read by earshot itself (see the README's ${name} section), not through the webhook: it may not add mentions under a source earshot reads itself, since replies to them would go out as the brand. Use another name (e.g. "x-archive")` });
  }
  if (m.direction === 'outbound' && !m.in_reply_to) ctx.addIssue({ code: 'custom', path: ['in_reply_to'], message: OUTBOUND_NEEDS_REPLY_TO });
  if (m.in_reply_to && m.in_reply_to === m.id) ctx.addIssue({ code: 'custom', path: ['in_reply_to'], message: 'must not be the post\'s own id' });
});

const batchSchema = z.object({
  mentions: z.array(z.unknown(), { message: 'must be an array of mentions' }).min(1, 'must hold at least one mention').max(1000, 'at most 1000 mentions per request'),
});

export type ParseResult =
  | { ok: true; mentions: IncomingMention[] }
  | { ok: false; error: string; details: string[] };

/** Validates a whole request; any bad mention rejects the request and names every bad field. */
export function parseWebhookBody(rawBody: Buffer): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    return { ok: false, error: 'body is not valid JSON', details: [(err as Error).message] };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: 'body must be a JSON object: one mention, or {"mentions": [...]}', details: [] };
  }
  const unstorable = unstorableValues(json);
  if (unstorable.length > 0) return { ok: false, error: 'values that cannot be stored: nothing was stored', details: unstorable };
  const isBatch = 'mentions' in json;
  if (isBatch) {
    const outer = batchSchema.safeParse(json);
    if (!outer.success) return { ok: false, error: 'invalid "mentions"', details: outer.error.issues.map((i) => `mentions: ${i.message}`) };
  }
  const list: unknown[] = isBatch ? ((json as { mentions: unknown[] }).mentions) : [json];
  const mentions: IncomingMention[] = [];
  const details: string[] = [];
  list.forEach((item, index) => {
    const r = mentionSchema.safeParse(item);
    const prefix = isBatch ? `mentions[${index}].` : '';
    if (!r.success) {
      for (const i of r.error.issues) {
        const field = i.path.join('.') || '(mention)';
        const msg = i.code === 'invalid_type' && i.message.startsWith('Invalid input') ? 'is required' : i.message;
        details.push(`${prefix}${field}: ${msg}`);
      }
      return;
    }
    const m = r.data;
    mentions.push({
      source: m.source.toLowerCase(),
      externalId: m.id,
      url: m.url ?? null,
      text: m.text,
      author: {
        id: m.author.id ?? null,
        handle: m.author.handle.replace(/^@/, ''),
        name: m.author.name ?? null,
        followers: m.author.followers ?? null,
      },
      postedAt: new Date(m.posted_at),
      lang: m.lang ?? null,
      conversationId: m.conversation_id ?? null,
      inReplyTo: m.in_reply_to ?? null,
      direction: m.direction ?? 'inbound',
      raw: item,
    });
  });
  if (details.length > 0) return { ok: false, error: `invalid mention${details.length > 1 ? 's' : ''}: nothing was stored`, details };
  return { ok: true, mentions };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_DEPTH = 64;

/**
 * What Postgres would refuse, anywhere in the body (the whole mention is kept as `raw`): NUL in
 * text, invalid Unicode in jsonb, and nesting deeper than any mention needs (which would also
 * exhaust the stack). The sender gets a 400 naming them rather than a 500. At most 20 listed.
 */
function unstorableValues(value: unknown): string[] {
  const out: string[] = [];
  const bad = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= 20) return;
    if (typeof v === 'string') {
      if (bad(v)) out.push(`${path || '(body)'}: must not contain NUL characters (\\u0000) or lone UTF-16 surrogates`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth > MAX_DEPTH) {
      out.push(`${path}: nested more than ${MAX_DEPTH} levels deep`);
      return;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      const p = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (bad(k)) out.push(`${p}: field names must not contain NUL characters or lone UTF-16 surrogates`);
      walk(child, p, depth + 1);
    }
  };
  walk(value, '', 0);
  return out;
}
