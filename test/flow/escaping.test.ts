import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { ESCALATIONS, TRIAGE, sampleMention, waitForCardTs, type TestApp } from '../support/app.js';
import type { TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

const EVIL = '<!channel> <!here> <@U123> <!subteam^S1> <https://evil.example|click> & < >';
const INERT = ['<!channel>', '<!here>', '<@U123>', '<!subteam^S1>', '<https://evil.example|click>', '& <', '< >'];

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow({
    prepare: (s) => {
      s.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
    },
  }));
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

describe('customer and typed text reaches Slack inert', () => {
  it('in cards, updates, thread lines, escalations, modals and ephemerals', async () => {
    const m = sampleMention({ text: `Hey ${EVIL} fix this`, author: { handle: 'evil<!here>', name: `Mal ${EVIL}` } });
    await app.webhook(m);
    const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
    const card = await waitForCardTs(database, row.id);

    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(row.id), messageTs: card, channel: TRIAGE }));
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(row.id), messageTs: card, channel: TRIAGE }));
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.escalate, value: String(row.id), messageTs: card, channel: TRIAGE }));
    const meta = JSON.stringify({ mentionId: row.id, channel: TRIAGE });
    await app.interact(
      viewSubmission({
        user: 'UALICE',
        callbackId: VIEW.escalate,
        privateMetadata: meta,
        values: {
          [INPUT.escalateReason.block]: { [INPUT.escalateReason.action]: { value: `reason ${EVIL}` } },
          [INPUT.escalateSeverity.block]: { [INPUT.escalateSeverity.action]: { selected_option: { value: 'high' } } },
          [INPUT.escalateCategory.block]: { [INPUT.escalateCategory.action]: { selected_option: { value: 'policy' } } },
        },
      }),
    );
    await app.interact(
      viewSubmission({
        user: 'UALICE',
        callbackId: VIEW.reply,
        privateMetadata: meta,
        values: {
          [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { value: `reply ${EVIL}` } },
          [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { selected_option: { value: 'dm' } } },
        },
      }),
    );
    // A second claim gets the "already claimed" ephemeral.
    await app.interact(blockAction({ user: 'UBOB', actionId: ACTION.claim, value: String(row.id), messageTs: card, channel: TRIAGE }));
    await slack.waitFor(() => slack.topLevel(ESCALATIONS).length > 0 && slack.thread(TRIAGE, card).some((t) => (t.text ?? '').includes('reply ')), PATIENT_MS, 'escalation and reply');
    await slack.waitFor(() => slack.ephemerals.some((e) => e.user === 'UBOB'));
    await app.queue.drainNow();

    const sent = slack.calls.filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update'].includes(c.method));
    expect(sent.length).toBeGreaterThanOrEqual(6);
    for (const call of sent) {
      const text = JSON.stringify(call.args);
      for (const bad of INERT) expect(text, `${call.method} carries ${bad} raw`).not.toContain(JSON.stringify(bad).slice(1, -1));
    }
    // …and the text is still there, escaped.
    const cardText = JSON.stringify(slack.topLevel(TRIAGE).find((x) => x.ts === card)!.blocks);
    expect(cardText).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;!subteam^S1&gt; &lt;https://evil.example|click&gt; &amp; &lt; &gt;');
  });
});
