import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION, INPUT, MORE, VIEW } from '../../src/slack/ids.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, sampleMention, waitForCardTs, type TestApp } from '../support/app.js';
import type { TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { blockAction, slackHeaders, viewSubmission } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

/**
 * Only the team acts. UALICE and UBOB reply for the brand (SRESP01), ULEAD leads (SLEADS01),
 * UMALLORY is in the triage channel but on neither, UGUEST is in the group but a workspace guest.
 */
let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow({
    env: { SLACK_RESPONDERS_GROUP: 'SRESP01', SLACK_LEADS_GROUP: 'SLEADS01' },
    prepare: (s) => {
      s.addUser({ id: 'UGUEST', name: 'guest', is_restricted: true });
      s.setUsergroup('SRESP01', ['UALICE', 'UBOB', 'UGUEST']);
      s.setUsergroup('SLEADS01', ['ULEAD']);
      s.setChannelMembers(TRIAGE, ['UALICE', 'UBOB', 'ULEAD', 'UMALLORY', 'UGUEST']);
    },
  }));
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

const CUSTOMER_TEXT = 'My parcel went to the wrong town';

async function card() {
  const m = sampleMention({ text: CUSTOMER_TEXT });
  await app.webhook(m);
  const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  const ts = await waitForCardTs(database, row.id);
  await app.queue.drainNow();
  return { ...row, card_ts: ts };
}

/** Everything an action could change: the row, its audit trail, the card and its thread, modals. */
async function snapshot(id: number, ts: string) {
  const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = await database.db.selectFrom('mention_events').select('id').where('mention_id', '=', id).execute();
  const jobs = await database.db.selectFrom('slack_jobs').select('id').where('mention_id', '=', id).execute();
  const message = slack.topLevel(TRIAGE).find((m) => m.ts === ts)!;
  return {
    status: row.status,
    owner: row.owner_id,
    escalated: row.escalated_at,
    responded: row.first_response_at,
    events: events.length,
    jobs: jobs.length,
    edits: message.edits,
    thread: slack.thread(TRIAGE, ts).length,
    modals: slack.views.opened.length,
  };
}

const refusals = (user: string) => slack.ephemerals.filter((e) => e.user === user && (e.text ?? '').includes(':lock: Only members of <!subteam^SRESP01>'));

async function refused(user: string, attempt: () => Promise<unknown>) {
  const before = refusals(user).length;
  await attempt();
  await slack.waitFor(() => refusals(user).length > before, PATIENT_MS, `a refusal for ${user}`);
  await app.handlers.idle();
}

function homeOpened(user: string) {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: 'T0FAKE',
    api_app_id: 'A0FAKE',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.random().toString(36).slice(2, 8)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` },
  });
  return fetch(`${app.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body, { contentType: 'application/json' }) });
}

const meta = (id: number) => JSON.stringify({ mentionId: id, channel: TRIAGE });
const more = (user: string, choice: string, id: number) => app.interact(blockAction({ user, actionId: ACTION.more, type: 'overflow', selectedOption: `${choice}:${id}`, channel: TRIAGE }));

describe('someone outside the team', () => {
  it('is refused politely on Claim, Escalate, Resolve, Release, No reply needed, Reply and Reassign; nothing changes', async () => {
    const m = await card();
    const before = await snapshot(m.id, m.card_ts);
    const u = 'UMALLORY';
    await refused(u, () => app.interact(blockAction({ user: u, actionId: ACTION.claim, value: String(m.id), channel: TRIAGE })));
    await refused(u, () => app.interact(blockAction({ user: u, actionId: ACTION.escalate, value: String(m.id), channel: TRIAGE })));
    await refused(u, () => app.interact(blockAction({ user: u, actionId: ACTION.reply, value: String(m.id), channel: TRIAGE })));
    for (const choice of [MORE.resolve, MORE.release, MORE.reassign, MORE.noReply]) await refused(u, () => more(u, choice, m.id));
    // Forged submissions of the modals they could not open.
    await refused(u, () =>
      app.interact(
        viewSubmission({
          user: u,
          callbackId: VIEW.close,
          privateMetadata: meta(m.id),
          values: {
            [INPUT.closeKind.block]: { [INPUT.closeKind.action]: { type: 'static_select', selected_option: { value: 'spam' } } },
            [INPUT.closeReason.block]: { [INPUT.closeReason.action]: { value: 'just spam' } },
          },
        }),
      ),
    );
    await refused(u, () =>
      app.interact(
        viewSubmission({
          user: u,
          callbackId: VIEW.escalate,
          privateMetadata: meta(m.id),
          values: {
            [INPUT.escalateReason.block]: { [INPUT.escalateReason.action]: { value: 'look at this' } },
            [INPUT.escalateCategory.block]: { [INPUT.escalateCategory.action]: { type: 'static_select', selected_option: { value: 'policy' } } },
          },
        }),
      ),
    );
    await refused(u, () =>
      app.interact(
        viewSubmission({
          user: u,
          callbackId: VIEW.reassign,
          privateMetadata: meta(m.id),
          values: { [INPUT.reassignUser.block]: { [INPUT.reassignUser.action]: { type: 'users_select', selected_user: u } } },
        }),
      ),
    );
    expect(await snapshot(m.id, m.card_ts)).toEqual(before);
    // The refusal says who to ask.
    expect(refusals(u).at(-1)!.text).toContain('please ask <!subteam^SLEADS01>');
  });

  it('cannot export the CSV', async () => {
    const before = slack.uploads.length;
    const id = `access-export-${Date.now()}`;
    await app.command({ user: 'UMALLORY', text: 'export 30d', responseUrl: slack.responseUrl(id) });
    await slack.waitFor(() => slack.responses(id).length >= 1, PATIENT_MS, 'the export answer');
    expect(String(slack.responses(id)[0]!.text)).toContain('please ask <!subteam^SLEADS01>');
    await app.handlers.idle();
    expect(slack.uploads).toHaveLength(before);
  });

  it('sees a Home tab that says what earshot is and who to ask, with no customer text', async () => {
    await card();
    await homeOpened('UMALLORY');
    await homeOpened('UALICE');
    await slack.waitFor(() => slack.views.published.has('UMALLORY') && slack.views.published.has('UALICE'), PATIENT_MS, 'both Home tabs');
    const outsider = JSON.stringify(slack.views.published.get('UMALLORY'));
    expect(outsider).toContain('please ask <!subteam^SLEADS01>');
    expect(outsider).not.toContain(CUSTOMER_TEXT);
    expect(outsider).not.toContain(ACTION.claim);
    expect(JSON.stringify(slack.views.published.get('UALICE'))).toContain(CUSTOMER_TEXT);
  });
});

describe('workspace guests', () => {
  it('a guest in the responders group and the triage channel is refused like an outsider', async () => {
    const m = await card();
    const before = await snapshot(m.id, m.card_ts);
    await refused('UGUEST', () => app.interact(blockAction({ user: 'UGUEST', actionId: ACTION.claim, value: String(m.id), channel: TRIAGE })));
    await refused('UGUEST', () => app.interact(blockAction({ user: 'UGUEST', actionId: ACTION.reply, value: String(m.id), channel: TRIAGE })));
    expect(await snapshot(m.id, m.card_ts)).toEqual(before);
  });
});

describe('releasing and reassigning', () => {
  it('the reassign target must be on the team; a lead may hand it to a responder', async () => {
    const m = await card();
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), channel: TRIAGE }));
    await app.handlers.idle();
    const submit = (user: string, to: string) =>
      app.interact(
        viewSubmission({
          user,
          callbackId: VIEW.reassign,
          privateMetadata: meta(m.id),
          values: { [INPUT.reassignUser.block]: { [INPUT.reassignUser.action]: { type: 'users_select', selected_user: to } } },
        }),
      );
    for (const to of ['UMALLORY', 'UGUEST']) {
      const before = slack.ephemerals.length;
      await submit('ULEAD', to);
      await slack.waitFor(() => slack.ephemerals.slice(before).some((e) => e.user === 'ULEAD' && (e.text ?? '').includes('is not on the social team')));
      await app.handlers.idle();
      expect((await database.db.selectFrom('mentions').select('owner_id').where('id', '=', m.id).executeTakeFirstOrThrow()).owner_id).toBe('UALICE');
    }
    await submit('ULEAD', 'UBOB');
    await app.handlers.idle();
    expect((await database.db.selectFrom('mentions').select('owner_id').where('id', '=', m.id).executeTakeFirstOrThrow()).owner_id).toBe('UBOB');
  });

  it("a responder who is not a lead cannot release someone else's mention", async () => {
    const m = await card();
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), channel: TRIAGE }));
    await app.handlers.idle();
    await more('UBOB', MORE.release, m.id);
    await app.handlers.idle();
    expect((await database.db.selectFrom('mentions').select('owner_id').where('id', '=', m.id).executeTakeFirstOrThrow()).owner_id).toBe('UALICE');
    await more('ULEAD', MORE.release, m.id);
    await app.handlers.idle();
    expect((await database.db.selectFrom('mentions').select('owner_id').where('id', '=', m.id).executeTakeFirstOrThrow()).owner_id).toBeNull();
  });
});
