import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION } from '../../src/slack/ids.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, type TestApp } from '../support/app.js';
import type { TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { blockAction } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow({ prepare: (s) => s.setChannelMembers(TRIAGE, ['UALICE']) }));
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

async function card() {
  const m = sampleMention();
  await app.webhook(m);
  const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await slack.waitFor(() => slack.topLevel(TRIAGE).some((x) => (x.metadata?.event_payload as any)?.mention_id === row.id), PATIENT_MS, 'the card');
  return row;
}

describe('one person clicking in a loop', () => {
  it('is paced politely, and a new mention’s card still posts meanwhile', async () => {
    const m = await card();
    const loop = Promise.all(
      Array.from({ length: 40 }, () => app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), channel: TRIAGE }))),
    );
    const fresh = await card();
    await loop;
    await slack.waitFor(() => slack.ephemerals.some((e) => e.user === 'UALICE' && (e.text ?? '').includes('earshot paces each person')), PATIENT_MS, 'the pacing note');
    // card() waited for the new mention's card in the channel while the loop ran.
    expect(slack.topLevel(TRIAGE).some((x) => (x.metadata?.event_payload as any)?.mention_id === fresh.id)).toBe(true);
    const claims = await database.db.selectFrom('mention_events').select('id').where('mention_id', '=', m.id).where('kind', '=', 'claimed').execute();
    expect(claims).toHaveLength(1);
  });
});
