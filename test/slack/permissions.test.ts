import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Permissions } from '../../src/slack/permissions.js';

/** A Web API client that answers from in-memory groups and users and counts its calls. */
function stubClient(o: { groups: Record<string, string[]>; guests?: string[] }) {
  const calls: string[] = [];
  const client = {
    usergroups: {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          calls.push(`usergroups.users.list ${usergroup}`);
          return { ok: true, users: [...(o.groups[usergroup] ?? [])] };
        },
      },
    },
    conversations: { members: async () => ({ ok: true, members: [] }) },
    users: {
      info: async ({ user }: { user: string }) => {
        calls.push(`users.info ${user}`);
        return { ok: true, user: { id: user, is_restricted: (o.guests ?? []).includes(user), is_ultra_restricted: false } };
      },
    },
  };
  return { client: client as never, calls };
}

const logger = createLogger({ level: 'silent', pretty: false });

describe('Permissions', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('one person clicking state changes in a loop is paced, politely; others, replies and the Home tab are not held', async () => {
    const { client } = stubClient({ groups: { SRESP: ['UALICE', 'UBOB'] } });
    const p = new Permissions({ client, triageChannel: 'C1', respondersGroup: 'SRESP', logger, pace: { burst: 5, perMinute: 30 } });
    for (let i = 0; i < 5; i++) expect((await p.check('UALICE', i % 2 ? 'release' : 'claim')).ok).toBe(true);
    const refused = await p.check('UALICE', 'claim');
    expect(refused).toEqual({ ok: false, message: expect.stringContaining('Nothing was changed: try again in 2 s') });
    expect((await p.check('UBOB', 'claim')).ok).toBe(true);
    expect((await p.check('UALICE', 'reply')).ok).toBe(true);
    expect((await p.check('UALICE', 'home')).ok).toBe(true);
    vi.advanceTimersByTime(2_000);
    expect((await p.check('UALICE', 'claim')).ok).toBe(true);
    expect((await p.check('UALICE', 'claim')).ok).toBe(false);
  });

  it('a removal from the group takes effect within a minute, even with a longer TTL asked for', async () => {
    const groups = { SRESP: ['UALICE'] };
    const { client } = stubClient({ groups });
    const p = new Permissions({ client, triageChannel: 'C1', respondersGroup: 'SRESP', ttlMs: 10 * 60_000, logger });
    expect((await p.check('UALICE', 'claim')).ok).toBe(true);
    groups.SRESP = [];
    vi.advanceTimersByTime(61_000);
    const v = await p.check('UALICE', 'claim');
    expect(v.ok).toBe(false);
  });

  it('answers repeated checks from the cache: no Slack call per click', async () => {
    const { client, calls } = stubClient({ groups: { SRESP: ['UALICE'], SLEADS: ['ULEAD'] } });
    const p = new Permissions({ client, triageChannel: 'C1', respondersGroup: 'SRESP', leadsGroup: 'SLEADS', logger });
    await p.check('UALICE', 'claim');
    const after = calls.length;
    for (let i = 0; i < 50; i++) await p.check('UALICE', 'claim');
    expect(calls.length).toBe(after);
  });

  it('leads are on the team; guests never are; outsiders cost no users.info call', async () => {
    const { client, calls } = stubClient({ groups: { SRESP: ['UALICE', 'UGUEST'], SLEADS: ['ULEAD'] }, guests: ['UGUEST'] });
    const p = new Permissions({ client, triageChannel: 'C1', respondersGroup: 'SRESP', leadsGroup: 'SLEADS', logger });
    expect(await p.check('ULEAD', 'release')).toEqual({ ok: true, isLead: true });
    expect(await p.check('UALICE', 'release')).toEqual({ ok: true, isLead: false });
    expect((await p.check('UGUEST', 'reply')).ok).toBe(false);
    expect((await p.check('UMALLORY', 'reply')).ok).toBe(false);
    expect(calls).not.toContain('users.info UMALLORY');
  });

  it('a failed lookup refuses and says so; the next check asks again', async () => {
    let fail = true;
    const { client } = stubClient({ groups: { SRESP: ['UALICE'] } });
    const inner = (client as { usergroups: { users: { list: (a: { usergroup: string }) => Promise<unknown> } } }).usergroups.users;
    const list = inner.list;
    inner.list = async (a) => {
      if (fail) throw Object.assign(new Error('An API error occurred: ratelimited'), { data: { error: 'ratelimited' } });
      return list(a);
    };
    const p = new Permissions({ client, triageChannel: 'C1', respondersGroup: 'SRESP', logger });
    const v = await p.check('UALICE', 'claim');
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.message).toContain('nothing was changed');
    fail = false;
    expect((await p.check('UALICE', 'claim')).ok).toBe(true);
  });
});
