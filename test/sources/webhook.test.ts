import { describe, expect, it } from 'vitest';
import { parseWebhookBody, signWebhook, verifyWebhookSignature } from '../../src/sources/webhook.js';

const now = new Date('2026-11-24T12:00:00Z');
const ts = String(Math.floor(now.getTime() / 1000));
const body = Buffer.from('{"a":1}');

describe('webhook signature', () => {
  it('accepts the documented HMAC and rejects anything else', () => {
    const sig = signWebhook('s3cret-s3cret-s3cret', ts, body);
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', { timestamp: ts, signature: sig }, body, now)).toEqual({ ok: true });
    expect(verifyWebhookSignature('other-secret-other', { timestamp: ts, signature: sig }, body, now).ok).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', { timestamp: ts, signature: sig }, Buffer.from('{"a":2}'), now).ok).toBe(false);
  });

  it('rejects a timestamp more than 5 minutes off, either way', () => {
    for (const skew of [-301, 301]) {
      const t = String(Number(ts) + skew);
      const r = verifyWebhookSignature('k'.repeat(16), { timestamp: t, signature: signWebhook('k'.repeat(16), t, body) }, body, now);
      expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/away from the server's clock/) });
    }
    const t = String(Number(ts) - 299);
    expect(verifyWebhookSignature('k'.repeat(16), { timestamp: t, signature: signWebhook('k'.repeat(16), t, body) }, body, now).ok).toBe(true);
  });
});

describe('webhook body', () => {
  const valid = { source: 'Facebook', id: 10158, text: 'hi', author: { handle: '@jane', followers: 3 }, posted_at: '2026-11-24T10:00:00Z' };

  it('normalises one mention', () => {
    const r = parseWebhookBody(Buffer.from(JSON.stringify(valid)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.mentions[0]).toMatchObject({ source: 'facebook', externalId: '10158', author: { handle: 'jane', followers: 3 }, postedAt: new Date('2026-11-24T10:00:00Z') });
  });

  it('names every bad field of every mention', () => {
    const r = parseWebhookBody(Buffer.from(JSON.stringify({ mentions: [valid, { ...valid, author: { followers: -1 }, url: 'ftp://x', posted_at: '2026-11-24' }] })));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mentions\[1\]\.author\.handle: /),
        expect.stringMatching(/^mentions\[1\]\.author\.followers: must not be negative/),
        expect.stringMatching(/^mentions\[1\]\.url: must be an http\(s\) URL/),
        expect.stringMatching(/^mentions\[1\]\.posted_at: must be an ISO 8601/),
      ]),
    );
  });

  it('reads the conversation fields: in_reply_to, conversation_id, direction (inbound by default)', () => {
    const plain = parseWebhookBody(Buffer.from(JSON.stringify(valid)));
    expect(plain).toMatchObject({ ok: true, mentions: [{ direction: 'inbound', inReplyTo: null, conversationId: null }] });
    const reply = parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, in_reply_to: 10157, conversation_id: 'thread-9' })));
    expect(reply).toMatchObject({ ok: true, mentions: [{ direction: 'inbound', inReplyTo: '10157', conversationId: 'thread-9' }] });
    const brand = parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, id: 'r1', direction: 'outbound', in_reply_to: '10158', author: { handle: 'acme' } })));
    expect(brand).toMatchObject({ ok: true, mentions: [{ externalId: 'r1', direction: 'outbound', inReplyTo: '10158', author: { handle: 'acme' } }] });
  });

  it('names a malformed conversation field, and an outbound post that answers nothing', () => {
    const details = (extra: Record<string, unknown>) => {
      const r = parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, ...extra })));
      return r.ok ? [] : r.details;
    };
    expect(details({ direction: 'outbound' })).toEqual(['in_reply_to: an outbound post must say which post it answers (in_reply_to)']);
    expect(details({ direction: 'outbound', in_reply_to: null })).toEqual(['in_reply_to: an outbound post must say which post it answers (in_reply_to)']);
    expect(details({ direction: 'sideways' })).toEqual([expect.stringMatching(/^direction: must be "inbound" \(the default\) or "outbound"/)]);
    expect(details({ in_reply_to: '' })).toEqual([expect.stringMatching(/^in_reply_to: must be a non-empty string/)]);
    expect(details({ in_reply_to: 10158 })).toEqual(["in_reply_to: must not be the post's own id"]);
    expect(details({ conversation_id: { id: 1 } })).toEqual([expect.stringMatching(/^conversation_id: must be a non-empty string/)]);
    expect(details({ in_reply_to: 'x'.repeat(201) })).toEqual([expect.stringMatching(/^in_reply_to: must be at most 200 characters/)]);
  });

  it('rejects non-objects and empty batches', () => {
    expect(parseWebhookBody(Buffer.from('[1,2]'))).toMatchObject({ ok: false, error: expect.stringMatching(/JSON object/) });
    expect(parseWebhookBody(Buffer.from('{"mentions": []}'))).toMatchObject({ ok: false, details: [expect.stringMatching(/at least one/)] });
  });
});
