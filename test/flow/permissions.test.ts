import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, type TestApp } from '../support/app.js';
import type { TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { SIGNING_SECRET, blockAction, interactionBody, slackHeaders, viewSubmission } from '../support/slack-requests.js';

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow({
    env: { SLACK_RESPONDERS_GROUP: 'SRESP01' },
    prepare: (s) => {
      s.setUsergroup('SRESP01', ['UALICE']);
      s.setChannelMembers(TRIAGE, ['UALICE', 'UMALLORY']);
    },
  }));
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

async function card() {
  const m = sampleMention();
  await app.webhook(m);
  const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await slack.waitFor(() => slack.topLevel(TRIAGE).some((x) => (x.metadata?.event_payload as any)?.mention_id === row.id));
  return row;
}

describe('who may reply as the brand', () => {
  it('a user outside the responders group gets a polite refusal and no Reply modal', async () => {
    const m = await card();
    const opened = slack.views.opened.length;
    await app.interact(blockAction({ user: 'UMALLORY', actionId: ACTION.reply, value: String(m.id), channel: TRIAGE }));
    await slack.waitFor(() => slack.ephemerals.some((e) => e.user === 'UMALLORY'));
    expect(slack.ephemerals.find((e) => e.user === 'UMALLORY')!.text).toContain('Only members of <!subteam^SRESP01> may reply as the brand');
    expect(slack.views.opened.length).toBe(opened);
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(m.id), channel: TRIAGE }));
    await slack.waitFor(() => slack.views.opened.length === opened + 1);
  });

  it('a forged submission from outside the group sends nothing and leaves the mention unanswered', async () => {
    const m = await card();
    const told = slack.ephemerals.filter((e) => e.user === 'UMALLORY').length;
    await app.interact(
      viewSubmission({
        user: 'UMALLORY',
        callbackId: VIEW.reply,
        privateMetadata: JSON.stringify({ mentionId: m.id, channel: TRIAGE }),
        values: { [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { value: 'we are giving away free stuff' } } },
      }),
    );
    await slack.waitFor(() => slack.ephemerals.filter((e) => e.user === 'UMALLORY').length > told);
    const replies = await database.db.selectFrom('replies').selectAll().where('mention_id', '=', m.id).execute();
    expect(replies).toHaveLength(0);
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.first_response_at).toBeNull();
  });
});

describe('Slack request signatures', () => {
  it('rejects a forged or stale interaction with 401 and changes nothing', async () => {
    const m = await card();
    const body = interactionBody(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), channel: TRIAGE }));
    const forged = await fetch(`${app.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body, { secret: 'not-the-signing-secret' }) });
    expect(forged.status).toBe(401);
    const stale = await fetch(`${app.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body, { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }) });
    expect(stale.status).toBe(401);
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBeNull();
  });
});
