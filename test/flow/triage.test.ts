import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ACTION, INPUT, MORE, VIEW } from '../../src/slack/ids.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { ESCALATIONS, TRIAGE, sampleMention, waitForCardTs, type TestApp } from '../support/app.js';
import type { TestDatabase } from '../support/db.js';
import { startFlow, stopFlow } from '../support/flow.js';
import { blockAction, viewSubmission } from '../support/slack-requests.js';
import { PATIENT_MS } from '../support/patience.js';

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;

beforeAll(async () => {
  ({ slack, tdb, database, app } = await startFlow({ env: { SLACK_LEADS_GROUP: 'SLEADS01' } }));
});

afterAll(() => stopFlow({ slack, tdb, database, app }));

beforeEach(() => {
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB', 'UCAROL', ...Array.from({ length: 60 }, (_, i) => `UCLICK${i}`)]);
  slack.setUsergroup('SLEADS01', ['ULEAD']);
});

async function newCard(over: Record<string, unknown> = {}) {
  const m = sampleMention(over);
  const r = await app.webhook(m);
  expect(r.status).toBe(202);
  const row = await database.db.selectFrom('mentions').selectAll().where('external_id', '=', String(m.id)).executeTakeFirstOrThrow();
  await waitForCardTs(database, row.id);
  const card = await database.db.selectFrom('mentions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  return card;
}

function cardMessage(ts: string) {
  const msg = slack.topLevel(TRIAGE).find((m) => m.ts === ts);
  if (!msg) throw new Error(`no card with ts ${ts}`);
  return msg;
}

/** Submits the Reassign modal as `user`, handing the mention to `to`. */
function reassign(user: string, mentionId: number, to: string) {
  return app.interact(
    viewSubmission({
      user,
      callbackId: VIEW.reassign,
      privateMetadata: JSON.stringify({ mentionId, channel: TRIAGE }),
      values: { [INPUT.reassignUser.block]: { [INPUT.reassignUser.action]: { type: 'users_select', selected_user: to } } },
    }),
  );
}

function allText(msg: { text?: string; blocks?: unknown[] }): string {
  return JSON.stringify([msg.text, msg.blocks]);
}

describe('a mention becomes a card', () => {
  it('posts the card with author, text, SLA line and the Claim / Reply / Escalate buttons', async () => {
    const m = await newCard({ text: 'Where is my parcel?', author: { handle: 'jane', name: 'Jane Doe', followers: 12_400 } });
    expect(m.card_ts).toBeTruthy();
    const msg = cardMessage(m.card_ts!);
    const text = allText(msg);
    expect(text).toContain('Jane Doe');
    expect(text).toContain('@jane');
    expect(text).toContain('12k followers');
    expect(text).toContain('Where is my parcel?');
    expect(text).toMatch(/due .* min left/);
    const buttons = (msg.blocks as any[]).flatMap((b) => (b.type === 'actions' ? b.elements : [])).map((e: any) => e.text?.text);
    expect(buttons).toEqual(expect.arrayContaining(['Claim', 'Reply', 'Escalate']));
    expect(msg.text).toBeTruthy();
  });

  it('stores the same (source, id) once and posts one card, even when sent concurrently', async () => {
    const m = sampleMention();
    const results = await Promise.all([app.webhook(m), app.webhook(m), app.webhook({ mentions: [m, m] })]);
    expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    const accepted = results.reduce((n, r) => n + r.json.accepted, 0);
    const dup = results.reduce((n, r) => n + r.json.duplicates, 0);
    expect(accepted).toBe(1);
    expect(dup).toBe(3);
    const rows = await database.db.selectFrom('mentions').select('id').where('external_id', '=', String(m.id)).execute();
    expect(rows).toHaveLength(1);
    await slack.waitFor(() => slack.topLevel(TRIAGE).filter((x) => (x.metadata?.event_payload as any)?.mention_id === rows[0]!.id).length === 1);
    await app.queue.drainNow();
    expect(slack.topLevel(TRIAGE).filter((x) => (x.metadata?.event_payload as any)?.mention_id === rows[0]!.id)).toHaveLength(1);
  });
});

describe('claim', () => {
  it('50 concurrent clicks: exactly one owner, 49 told who owns it', async () => {
    const m = await newCard();
    const users = Array.from({ length: 50 }, (_, i) => `UCLICK${i}`);
    const before = slack.ephemerals.length;
    const results = await Promise.all(users.map((u) => app.interact(blockAction({ user: u, actionId: ACTION.claim, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await slack.waitFor(() => slack.ephemerals.length - before >= 49, PATIENT_MS, '49 ephemerals');
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('claimed');
    expect(users).toContain(row.owner_id);
    const answers = slack.ephemerals.slice(before);
    expect(answers).toHaveLength(49);
    expect(answers.map((a) => a.user).sort()).toEqual(users.filter((u) => u !== row.owner_id).sort());
    for (const a of answers) expect(a.text).toContain(`Already claimed by <@${row.owner_id}>`);
    const claims = await database.db.selectFrom('mention_events').select('id').where('mention_id', '=', m.id).where('kind', '=', 'claimed').execute();
    expect(claims).toHaveLength(1);
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes(`Claimed by <@${row.owner_id}>`), PATIENT_MS, 'card shows the owner');
  });

  it('release puts it back in the pool; only the owner or a lead may do it', async () => {
    const m = await newCard();
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Claimed by <@UALICE>'));
    const before = slack.ephemerals.length;
    await app.interact(blockAction({ user: 'UBOB', type: 'overflow', actionId: ACTION.more, selectedOption: `${MORE.release}:${m.id}`, messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.ephemerals.length > before);
    expect(slack.ephemerals.at(-1)!.text).toContain('Only <@UALICE>');
    await app.interact(blockAction({ user: 'ULEAD', type: 'overflow', actionId: ACTION.more, selectedOption: `${MORE.release}:${m.id}`, messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Unclaimed'), PATIENT_MS, 'released card');
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBeNull();
    expect(row.status).toBe('new');
  });
});

describe('reply, escalate, close', () => {
  it('a recorded reply stops the clock, shows who replied and puts the text in the thread', async () => {
    const m = await newCard();
    const opened = slack.views.opened.length;
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.views.opened.length > opened);
    const modal = slack.views.opened.at(-1)!;
    const r = await app.interact(
      viewSubmission({
        user: 'UALICE',
        callbackId: VIEW.reply,
        privateMetadata: (modal as any).view?.private_metadata ?? (modal as any).private_metadata,
        values: {
          [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: 'So sorry! DM us your order number.' } },
          [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: 'public' } } },
          [INPUT.replyLink.block]: { [INPUT.replyLink.action]: { type: 'plain_text_input', value: 'https://facebook.example/reply/1' } },
        },
      }),
    );
    expect(r.status).toBe(200);
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Replied by <@UALICE>'), PATIENT_MS, 'card shows the reply');
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('replied');
    expect(row.first_response_at).not.toBeNull();
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('So sorry! DM us your order number.')));
  });

  it('escalation posts to the escalation channel, pings the leads and keeps the clock running', async () => {
    const m = await newCard();
    const opened = slack.views.opened.length;
    const posted = slack.topLevel(ESCALATIONS).length;
    await app.interact(blockAction({ user: 'UBOB', actionId: ACTION.escalate, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.views.opened.length > opened);
    await app.interact(
      viewSubmission({
        user: 'UBOB',
        callbackId: VIEW.escalate,
        privateMetadata: JSON.stringify({ mentionId: m.id, channel: TRIAGE }),
        values: {
          [INPUT.escalateReason.block]: { [INPUT.escalateReason.action]: { type: 'plain_text_input', value: 'Third refund lost this week' } },
          [INPUT.escalateSeverity.block]: { [INPUT.escalateSeverity.action]: { type: 'static_select', selected_option: { value: 'high' } } },
          [INPUT.escalateCategory.block]: { [INPUT.escalateCategory.action]: { type: 'radio_buttons', selected_option: { value: 'procedural' } } },
        },
      }),
    );
    await slack.waitFor(() => slack.topLevel(ESCALATIONS).length > posted, PATIENT_MS, 'escalation posted');
    const esc = allText(slack.topLevel(ESCALATIONS).at(-1)!);
    expect(esc).toContain('<!subteam^SLEADS01>');
    expect(esc).toContain('procedural problem');
    expect(esc).toContain('Third refund lost this week');
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('escalated');
    expect(row.first_response_at).toBeNull();
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Escalated'));
  });

  it('no reply needed closes it with a reason; it stays on record', async () => {
    const m = await newCard();
    await app.interact(
      viewSubmission({
        user: 'UCAROL',
        callbackId: VIEW.close,
        privateMetadata: JSON.stringify({ mentionId: m.id, channel: TRIAGE }),
        values: {
          [INPUT.closeKind.block]: { [INPUT.closeKind.action]: { type: 'radio_buttons', selected_option: { value: 'spam' } } },
          [INPUT.closeReason.block]: { [INPUT.closeReason.action]: { type: 'plain_text_input', value: 'crypto bot' } },
        },
      }),
    );
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Closed: spam'), PATIENT_MS, 'closed card');
    const row = await database.db.selectFrom('mentions').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('closed_no_reply');
    expect(row.close_kind).toBe('spam');
    expect(row.closed_by).toBe('UCAROL');
  });
});

describe('saved replies, reassign and resolve', () => {
  it('picking a saved reply fills the text box with the customer’s name, ready to edit', async () => {
    const m = await newCard({ author: { handle: 'jdoe', name: 'Jane Doe' } });
    const before = slack.views.opened.length;
    const updates = slack.okCalls('views.update').length;
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.views.opened.length > before);
    const view = slack.views.opened.at(-1)! as any;
    const select = view.blocks.find((b: any) => b.block_id === INPUT.savedReply.block).accessory;
    const sorry = select.options.find((o: any) => o.text.text.startsWith('Sorry'));
    expect(sorry).toBeDefined();
    await app.interact(blockAction({ user: 'UALICE', type: 'static_select', actionId: INPUT.savedReply.action, selectedOption: sorry.value, view: { ...view, state: { values: {} } } }));
    await slack.waitFor(() => slack.okCalls('views.update').length > updates);
    const updated = slack.views.byId.get(view.id) as any;
    const input = updated.blocks.find((b: any) => String(b.block_id).startsWith(`${INPUT.replyText.block}:`));
    expect(input.element.initial_value).toMatch(/^Hi Jane, we’re sorry about this/);
    expect(input.block_id).not.toBe(`${INPUT.replyText.block}:0`);
  });

  it('a lead hands a mention to someone else; the card shows the new owner', async () => {
    const m = await newCard();
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await reassign('ULEAD', m.id, 'UCAROL');
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Claimed by <@UCAROL>'), PATIENT_MS, 'reassigned card');
    await slack.waitFor(() => slack.thread(TRIAGE, m.card_ts!).some((t) => (t.text ?? '').includes('<@ULEAD> handed this to <@UCAROL>')));
  });

  it('resolve needs a reply first, then closes the mention and removes the buttons', async () => {
    const m = await newCard();
    const before = slack.ephemerals.length;
    await app.interact(blockAction({ user: 'UBOB', type: 'overflow', actionId: ACTION.more, selectedOption: `${MORE.resolve}:${m.id}`, messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.ephemerals.length > before);
    expect(slack.ephemerals.at(-1)!.text).toMatch(/Reply first/);
    await app.replies.send(m.id, 'UBOB', { text: 'Sorted, thanks for your patience!', mode: 'public' });
    await app.interact(blockAction({ user: 'UBOB', type: 'overflow', actionId: ACTION.more, selectedOption: `${MORE.resolve}:${m.id}`, messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('Resolved'), PATIENT_MS, 'resolved card');
    const msg = cardMessage(m.card_ts!);
    expect((msg.blocks as any[]).some((b) => b.type === 'actions')).toBe(false);
    const events = await database.db.selectFrom('mention_events').select('kind').where('mention_id', '=', m.id).orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual(['replied', 'resolved']);
  });
});

describe('a change that would change nothing is refused with what is true', () => {
  beforeEach(() => {
    slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB', 'UCAROL', 'ULEAD']);
  });

  function buttonsOf(ts: string): string[] {
    return (cardMessage(ts).blocks as any[]).flatMap((b) => (b.type === 'actions' ? b.elements : [])).map((e: any) => e.text?.text);
  }

  it('a lead releasing an unowned mention is told nobody owns it; nothing is written', async () => {
    const m = await newCard();
    const before = slack.ephemerals.length;
    await app.interact(blockAction({ user: 'ULEAD', type: 'overflow', actionId: ACTION.more, selectedOption: `${MORE.release}:${m.id}`, messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.ephemerals.length > before);
    expect(slack.ephemerals.at(-1)!.text).toContain('Nobody owns this mention');
    expect(slack.ephemerals.at(-1)!.text).not.toContain('same moment');
    const events = await database.db.selectFrom('mention_events').select('kind').where('mention_id', '=', m.id).execute();
    expect(events).toEqual([]);
  });

  it('reassigning to the current owner is refused and says who owns it', async () => {
    const m = await newCard();
    await app.triage.claim(m.id, 'UALICE');
    const before = slack.ephemerals.length;
    await reassign('ULEAD', m.id, 'UALICE');
    await slack.waitFor(() => slack.ephemerals.length > before);
    expect(slack.ephemerals.at(-1)!.text).toContain('<@UALICE> already owns this mention');
    const events = await database.db.selectFrom('mention_events').select('kind').where('mention_id', '=', m.id).execute();
    expect(events.map((e) => e.kind)).toEqual(['claimed']);
  });

  it('a replied mention is escalated once: then the card stops offering Escalate and a second try is refused', async () => {
    const m = await newCard();
    await app.replies.send(m.id, 'UBOB', { text: 'Looking into it now.', mode: 'public' });
    const input = { reason: 'Billing bug', severity: 'high', category: 'procedural' } as const;
    await app.triage.escalate(m.id, 'UBOB', input);
    await slack.waitFor(() => allText(cardMessage(m.card_ts!)).includes('escalated'), PATIENT_MS, 'card shows the escalation');
    expect(buttonsOf(m.card_ts!)).not.toContain('Escalate');
    await expect(app.triage.escalate(m.id, 'UALICE', input)).rejects.toMatchObject({ code: 'already_escalated', message: expect.stringContaining('Already escalated by <@UBOB>') });
    const opened = slack.views.opened.length;
    const before = slack.ephemerals.length;
    await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.escalate, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
    await slack.waitFor(() => slack.ephemerals.length > before);
    expect(slack.ephemerals.at(-1)!.text).toContain('Already escalated by <@UBOB>');
    expect(slack.views.opened.length).toBe(opened);
    const events = await database.db.selectFrom('mention_events').select('kind').where('mention_id', '=', m.id).execute();
    expect(events.map((e) => e.kind).filter((k) => k === 'escalated')).toHaveLength(1);
  });
});
