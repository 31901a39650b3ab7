import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { MentionRow } from '../../src/db/schema.js';
import type { OutboxJob, ThreadReplyPayload } from '../../src/db/slack-jobs.js';
import { defaultSlaPolicy } from '../../src/domain/sla.js';
import { sendJob } from '../../src/jobs/outbox/senders.js';
import { createLogger } from '../../src/logger.js';

/** A Web API client that records what was posted. */
function recordingClient() {
  const posted: Array<Record<string, unknown>> = [];
  const client = { chat: { postMessage: async (args: Record<string, unknown>) => (posted.push(args), { ok: true, ts: '1.000002', channel: args.channel }) } };
  return { posted, client: client as unknown as webApi.WebClient };
}

const mention = { id: 7, card_ts: '1.000001', card_channel: 'CTRIAGE' } as MentionRow;

function threadJob(payload: ThreadReplyPayload): OutboxJob {
  return { id: '11', kind: 'thread_reply', channel: 'CTRIAGE', mention_id: 7, payload } as unknown as OutboxJob;
}

describe('the thread line sender', () => {
  const deps = (client: webApi.WebClient) => ({ client, clock: new ManualClock(new Date('2026-11-24T10:00:00Z')), slaPolicy: defaultSlaPolicy, logger: createLogger({ level: 'silent', pretty: false }) });

  it('renders a queued line when it sends it, in the card thread', async () => {
    const { posted, client } = recordingClient();
    await sendJob(deps(client), threadJob({ line: { kind: 'claimed', actor: 'U1', at: '2026-11-24T10:00:00.000Z' } }), mention);
    expect(posted).toEqual([expect.objectContaining({ channel: 'CTRIAGE', thread_ts: '1.000001', text: ':raising_hand: <@U1> claimed this · <!date^1795514400^{time}|10:00 UTC>', reply_broadcast: false })]);
  });

  it('sends a text queued as text (a reminder, or a line queued by an earlier version) as it is', async () => {
    const { posted, client } = recordingClient();
    await sendJob(deps(client), threadJob({ text: ':raising_hand: <@U1> claimed this · <!date^1^{time}|00:00 UTC>' }), mention);
    await sendJob(deps(client), threadJob({ text: ':rotating_light: overdue', broadcast: true, reminder: { kind: 'overdue' } }), mention);
    expect(posted.map((p) => [p.text, p.reply_broadcast])).toEqual([
      [':raising_hand: <@U1> claimed this · <!date^1^{time}|00:00 UTC>', false],
      [':rotating_light: overdue', true],
    ]);
  });
});
