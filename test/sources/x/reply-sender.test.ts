import { describe, expect, it } from 'vitest';
import type { MentionRow } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/logger.js';
import { xReplySender } from '../../../src/sources/x/reply-sender.js';

const logger = createLogger({ level: 'silent', pretty: false });

/** A TwitterApi stand-in that records every call: none may happen for a bad id. */
function stubClient() {
  const calls: string[] = [];
  const client = {
    v2: {
      reply: async (_text: string, id: string) => {
        calls.push(`reply ${id}`);
        return { data: { id: '1900000000000000001', text: _text } };
      },
      sendDmToParticipant: async (id: string) => {
        calls.push(`dm ${id}`);
        return { data: { dm_conversation_id: '1-2', dm_event_id: '3' } };
      },
    },
  };
  return { client: client as never, calls };
}

function mention(over: Partial<MentionRow>): MentionRow {
  const id = over.external_id ?? '1866000000000000000';
  return { id: 1, source: 'x', external_id: id, author_external_id: '42', author_handle: 'dana', raw: { tweet: { id } }, ...over } as MentionRow;
}

/** The post a reply answers: here the case's own first post. */
const targetOf = (m: MentionRow) => ({ externalId: m.external_id, authorExternalId: m.author_external_id, authorHandle: m.author_handle, url: m.url ?? null, raw: m.raw });

describe('the X reply sender', () => {
  it('checks X ids are numeric before any call: an id with a / never reaches an X URL', async () => {
    const { client, calls } = stubClient();
    const sender = xReplySender({ client, logger });
    const badPost = mention({ external_id: '1/../2' });
    expect(await sender.send(badPost, targetOf(badPost), { text: 'hi', mode: 'public' } as never)).toMatchObject({ ok: false });
    const badAuthor = mention({ author_external_id: '42/../../users/me' });
    expect(await sender.send(badAuthor, targetOf(badAuthor), { text: 'hi', mode: 'dm' } as never)).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
  });

  it('handles only posts earshot read from X itself', async () => {
    const { client, calls } = stubClient();
    const sender = xReplySender({ client, logger });
    const fromWebhook = mention({ raw: { source: 'x', id: '1866000000000000000' } });
    expect(sender.handles(fromWebhook)).toBe(false);
    expect(await sender.send(fromWebhook, targetOf(fromWebhook), { text: 'hi', mode: 'public' } as never)).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
    expect(sender.handles(mention({}))).toBe(true);
    expect(await sender.send(mention({}), targetOf(mention({})), { text: 'hi', mode: 'dm' } as never)).toMatchObject({ ok: true });
    expect(calls).toEqual(['dm 42']);
  });
});
