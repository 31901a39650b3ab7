import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLink } from '../../src/sources/mastodon/client.js';
import { FAKE_MASTODON_TOKEN, startFakeMastodon, type FakeMastodon } from './mastodon-server.js';

let fake: FakeMastodon;
beforeAll(async () => {
  fake = await startFakeMastodon();
});
afterAll(() => fake.close());

async function api(path: string, init: RequestInit & { token?: string | null } = {}) {
  const res = await fetch(fake.url + path, { ...init, headers: { ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? FAKE_MASTODON_TOKEN}` }), ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

describe('fake Mastodon', () => {
  it('pages mentions newest first with Link headers; min_id gives the page just above, since_id the newest', async () => {
    const made = Array.from({ length: 5 }, (_, i) => fake.mention({ acct: `c${i}@other.example`, text: `@brand help ${i}` }));
    fake.favourite('fan');
    const first = await api('/api/v1/notifications?types[]=mention&limit=2');
    const ids = (first.body as { status: { id: string } }[]).map((n) => n.status.id);
    expect(ids).toEqual([made[4]!.id, made[3]!.id]);
    const link = parseLink(first.headers.get('link'));
    expect(link.next).toBeDefined();
    const older = await api(`/api/v1/notifications?types[]=mention&limit=2&max_id=${link.next!}`);
    expect((older.body as { status: { id: string } }[]).map((n) => n.status.id)).toEqual([made[2]!.id, made[1]!.id]);
    const oldest = (older.body as { id: string }[]).at(-1)!.id;
    const minPage = await api(`/api/v1/notifications?types[]=mention&limit=2&min_id=${oldest}`);
    expect((minPage.body as { status: { id: string } }[]).map((n) => n.status.id)).toEqual([made[3]!.id, made[2]!.id]);
    const sincePage = await api(`/api/v1/notifications?types[]=mention&limit=2&since_id=${oldest}`);
    expect((sincePage.body as { status: { id: string } }[]).map((n) => n.status.id)).toEqual([made[4]!.id, made[3]!.id]);
    expect(first.headers.get('x-ratelimit-limit')).toBe('300');
    expect(Number.isNaN(Date.parse(first.headers.get('x-ratelimit-reset') ?? ''))).toBe(false);
  });

  it('answers 401, 404, 422 and 429 with {error}', async () => {
    expect(await api('/api/v1/notifications', { token: 'nope' })).toMatchObject({ status: 401, body: { error: 'The access token is invalid' } });
    expect(await api('/api/v1/statuses', { method: 'POST', body: JSON.stringify({ status: '' }) })).toMatchObject({ status: 422, body: { error: "Validation failed: Text can't be blank" } });
    expect(await api('/api/v1/statuses', { method: 'POST', body: JSON.stringify({ status: 'x'.repeat(501) }) })).toMatchObject({ status: 422 });
    expect(await api('/api/v1/statuses', { method: 'POST', body: JSON.stringify({ status: 'hi', in_reply_to_id: '1' }) })).toMatchObject({ status: 404, body: { error: 'Record not found' } });
    fake.setLimit(1);
    await api('/api/v1/accounts/verify_credentials');
    const limited = await api('/api/v1/accounts/verify_credentials');
    expect(limited).toMatchObject({ status: 429, body: { error: 'Too many requests' } });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    fake.setLimit(300);
  });

  it('reports the instance’s character limit and posts threaded replies', async () => {
    const inst = await api('/api/v2/instance', { token: null });
    expect(inst.body).toMatchObject({ configuration: { statuses: { max_characters: 500 } } });
    const m = fake.mention({ acct: 'jane', text: '@brand where is my order?' });
    const r = await api('/api/v1/statuses', { method: 'POST', body: JSON.stringify({ status: '@jane on its way', in_reply_to_id: m.id, visibility: 'unlisted' }) });
    expect(r.body).toMatchObject({ in_reply_to_id: m.id, visibility: 'unlisted', account: { acct: 'brand' } });
  });
});
