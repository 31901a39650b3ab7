import { describe, expect, it } from 'vitest';
import { NATIVE_SOURCES } from '../../src/domain/sources.js';
import { parseWebhookBody } from '../../src/sources/webhook.js';

describe('the webhook and the networks earshot reads itself', () => {
  const valid = { id: 'at://did:plc:abc/app.bsky.feed.post/3k', text: 'hi', author: { handle: 'jane' }, posted_at: '2026-11-24T10:00:00Z' };

  it('refuses a post that claims to come from X, Bluesky or Mastodon, in any case', () => {
    expect(NATIVE_SOURCES).toEqual(['x', 'bluesky', 'mastodon']);
    for (const source of ['x', 'Bluesky', 'mastodon']) {
      const r = parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, source })));
      expect(r).toMatchObject({ ok: false, details: [expect.stringMatching(new RegExp(`^source: "${source}" is read by earshot itself`))] });
    }
  });

  it('still takes every other network', () => {
    expect(parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, source: 'bluesky-archive' })))).toMatchObject({ ok: true });
    expect(parseWebhookBody(Buffer.from(JSON.stringify({ ...valid, source: 'threads' })))).toMatchObject({ ok: true });
  });
});
