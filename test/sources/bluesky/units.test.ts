import { describe, expect, it } from 'vitest';
import { blueskyEnvSchema } from '../../../src/sources/bluesky/config.js';
import { advance, freshCursor, isNew } from '../../../src/sources/bluesky/cursor.js';
import { graphemes, postUrl, replyRefs, textWithLinks } from '../../../src/sources/bluesky/normalise.js';

describe('Bluesky config', () => {
  it('is off without credentials, with defaults', () => {
    expect(blueskyEnvSchema.parse({})).toEqual({ account: undefined, service: 'https://bsky.social', pollSeconds: 15 });
  });
  it('needs both the handle and the app password, and names the missing one', () => {
    const r = blueskyEnvSchema.safeParse({ BLUESKY_HANDLE: '@brand.bsky.social' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['BLUESKY_APP_PASSWORD']);
    expect(blueskyEnvSchema.parse({ BLUESKY_HANDLE: '@brand.bsky.social', BLUESKY_APP_PASSWORD: 'abcd-efgh', BLUESKY_SERVICE: 'http://127.0.0.1:9002/', BLUESKY_POLL_SECONDS: '30' })).toEqual({
      account: { handle: 'brand.bsky.social', appPassword: 'abcd-efgh' },
      service: 'http://127.0.0.1:9002',
      pollSeconds: 30,
    });
  });
  it('refuses a bad poll interval or service URL', () => {
    const r = blueskyEnvSchema.safeParse({ BLUESKY_POLL_SECONDS: 'often', BLUESKY_SERVICE: 'bsky.social' });
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['BLUESKY_POLL_SECONDS', 'BLUESKY_SERVICE']);
  });
});

describe('Bluesky normalising', () => {
  it('puts the full link in place of a shortened label, counting UTF-8 bytes', () => {
    const text = 'Ça bloque 👉 shop.example/a/b… merci';
    const label = 'shop.example/a/b…';
    const byteStart = Buffer.byteLength(text.slice(0, text.indexOf(label)));
    const facets = [{ index: { byteStart, byteEnd: byteStart + Buffer.byteLength(label) }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://shop.example/a/b/c?d=1' }] }];
    expect(textWithLinks(text, facets)).toBe('Ça bloque 👉 https://shop.example/a/b/c?d=1 merci');
    // A link whose label says something else keeps the label: the text is the author's.
    const other = [{ index: { byteStart, byteEnd: byteStart + Buffer.byteLength(label) }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://elsewhere.example' }] }];
    expect(textWithLinks(text, other)).toBe(text);
  });
  it('links to bsky.app and threads replies under the root', () => {
    expect(postUrl('at://did:plc:abc/app.bsky.feed.post/3kxyz', 'jane.bsky.social')).toBe('https://bsky.app/profile/jane.bsky.social/post/3kxyz');
    const root = { uri: 'at://did:plc:r/app.bsky.feed.post/1', cid: 'bafyroot' };
    expect(replyRefs({ uri: 'at://p', cid: 'bafyp', record: { reply: { root, parent: root } } })).toEqual({ root, parent: { uri: 'at://p', cid: 'bafyp' } });
    expect(replyRefs({ uri: 'at://p', cid: 'bafyp', record: {} })).toEqual({ root: { uri: 'at://p', cid: 'bafyp' }, parent: { uri: 'at://p', cid: 'bafyp' } });
    expect(replyRefs(null)).toBeUndefined();
  });
  it('counts graphemes, not code units', () => {
    expect(graphemes('👍🏽é')).toBe(2);
  });
});

describe('Bluesky list cursor', () => {
  const item = (id: string, at: string) => ({ id, at });
  it('keeps the old lower bound through a catch-up and moves to the first page’s newest at its end', () => {
    const c0 = freshCursor(new Date('2026-01-01T12:00:00Z'), 1);
    const p1 = [item('e', '2026-01-01T11:50:00.000Z'), item('d', '2026-01-01T11:40:00.000Z')];
    const a1 = advance(c0, p1, 'tok1', false);
    expect(a1).toEqual({ done: false, cursor: { since: c0.since, paging: { token: 'tok1', target: { at: p1[0]!.at, ids: ['e'] } } } });
    const a2 = advance(a1.cursor, [item('c', '2026-01-01T11:30:00.000Z')], undefined, false);
    expect(a2).toEqual({ done: true, cursor: { since: { at: p1[0]!.at, ids: ['e'] }, paging: null } });
  });
  it('tells stored from new items at the same millisecond', () => {
    const since = { at: '2026-01-01T11:50:00.000Z', ids: ['e'] };
    expect(isNew(item('e', since.at), since)).toBe(false);
    expect(isNew(item('f', since.at), since)).toBe(true);
    expect(isNew(item('g', '2026-01-01T11:49:59.999Z'), since)).toBe(false);
  });
});
