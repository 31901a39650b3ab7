import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { ACTION } from '../../src/slack/ids.js';
import { startFakeSlack, type FakeSlack, type FakeView } from '../fakes/slack-server.js';
import { TRIAGE, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { PATIENT_MS } from '../support/patience.js';
import { blockAction, slackHeaders } from '../support/slack-requests.js';

/**
 * /social-stats, its export and the App Home, end to end: signed requests into the real app over
 * HTTP, answers through the fake Slack's response URL, files and views.publish.
 *
 * Minutes relative to T0 (the clock is moved by hand):
 *   A  posted −70, claimed by ALICE −55, replied by ALICE −50 (20 min, met)
 *   C  posted −90, claimed by BOB −55, no reply (due −30: overdue)
 *   B  posted −50, unclaimed (at risk at T0)
 *   D  posted −5, unclaimed (on track); its text starts with "=" (a spreadsheet formula)
 *   F  posted −30 h, replied by BOB 30 min later (the previous 24 hours)
 */
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const at = (min: number) => new Date(T0 + min * 60_000);
// "today" must hold all of A–D whatever the hour this runs at: a fixed-offset zone where T0 is about noon.
const offset = 12 - new Date(T0).getUTCHours(); // −11 … +12
const ZONE = `Etc/GMT${offset >= 0 ? '-' : '+'}${Math.abs(offset)}`; // Etc/GMT-3 is UTC+3

let slack: FakeSlack;
let tdb: TestDatabase;
let database: Database;
let app: TestApp;
let clock: ManualClock;
const ids: Record<'A' | 'B' | 'C' | 'D' | 'F', number> = { A: 0, B: 0, C: 0, D: 0, F: 0 };

async function ingest(key: keyof typeof ids, postedMin: number, text = `Mention ${key}: where is my order?`) {
  const r = await app.ingest([{ source: 'facebook', externalId: `flow-stats-${key}`, text, author: { handle: `customer_${key}`, name: `Customer ${key}` }, postedAt: at(postedMin) }]);
  ids[key] = r.ids[0]!;
}

/**
 * A fresh fake Slack, database and app holding the story above, with the clock at T0. The
 * /social-stats tests only read it and share one; each App Home test claims or sweeps, so each gets
 * its own and the tests hold in any order.
 */
async function startStory(): Promise<void> {
  clock = new ManualClock(at(-90));
  slack = await startFakeSlack();
  slack.setChannelMembers(TRIAGE, ['UALICE', 'UBOB']);
  tdb = await createTestDatabase();
  database = await tdb.open();
  app = await startTestApp({ slack, database, clock, env: { STATS_TIME_ZONE: ZONE }, extra: { homeDebounceMs: 20 } });

  clock.set(at(-30 * 60));
  await ingest('F', -30 * 60);
  await app.triage.claim(ids.F, 'UBOB');
  clock.set(at(-30 * 60 + 30));
  expect((await app.replies.send(ids.F, 'UBOB', { text: 'Sorry about that!', mode: 'public' })).ok).toBe(true);

  clock.set(at(-55));
  await ingest('C', -90);
  await ingest('A', -70);
  await app.triage.claim(ids.A, 'UALICE');
  await app.triage.claim(ids.C, 'UBOB');
  clock.set(at(-50));
  await ingest('B', -50);
  expect((await app.replies.send(ids.A, 'UALICE', { text: 'We are on it.', mode: 'public' })).ok).toBe(true);
  clock.set(at(-5));
  await ingest('D', -5, '=HYPERLINK("https://evil.example","click") my parcel, "again", is late');
  clock.set(at(0));
}

async function stopStory(): Promise<void> {
  await app?.stop();
  await database?.close();
  await slack?.close();
  await tdb?.drop();
}

let responseCounter = 0;
/** Runs the command as `user`; resolves with the bodies posted to its response URL once `count` arrived. */
async function command(user: string, text: string, count = 1) {
  const id = `stats-${++responseCounter}`;
  const r = await app.command({ user, text, responseUrl: slack.responseUrl(id) });
  expect(r.status).toBe(200);
  await slack.waitFor(() => slack.responses(id).length >= count, PATIENT_MS, `response to /social-stats ${text}`);
  return slack.responses(id) as Array<{ text: string; blocks?: unknown[]; response_type?: string }>;
}

function homeOpened(user: string): Promise<{ status: number }> {
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

const flat = (v: unknown) => JSON.stringify(v);

describe('/social-stats', () => {
  beforeAll(startStory);
  afterAll(stopStory);

  it('acks, then answers through the response URL with the numbers of the period', async () => {
    const [answer] = await command('UALICE', '24h');
    expect(answer!.response_type).toBe('ephemeral');
    expect(answer!.text).toBe('Social care, last 24 hours: 4 received, 1 answered, median first response 20 min, 50% (1 of 2) within target.');
    const all = flat(answer!.blocks);
    expect(all).toContain('*Received*\\n*4*  ▲ 300% (1)');
    expect(all).toContain('*Open (no reply yet)*\\n*3*  ▲ (0)');
    expect(all).toContain('*Median first response*\\n*20 min*  ▼ 10 min (30 min)');
    expect(all).toContain('*Within target*\\n*50% (1 of 2)*  ▼ 50 pts (100%)');
    expect(all).toContain('3 waiting for a first reply · :warning: 1 at risk · :rotating_light: 1 overdue');
    expect(all).toContain('<@UALICE> · 1 · 1 · 20 min · 100% (1/1)');
    expect(all).toContain('<@UBOB> · 1 · 0 · – · 0% (0/1)');
    expect(all).not.toMatch(/NaN|undefined/);
  });

  it('defaults to the last 7 days, and filters to one person with a mention or “me”', async () => {
    const [week] = await command('UALICE', '');
    expect(week!.text).toMatch(/^Social care, last 7 days: 5 received, 2 answered/);
    const [bob] = await command('UALICE', '24h <@UBOB|bob>');
    expect(bob!.text).toBe('Social care, last 24 hours: 1 received, 0 answered, median first response no replies yet, 0% (0 of 1) within target.');
    expect(flat(bob!.blocks)).toContain('<@UBOB>’s mentions');
    const [me] = await command('UALICE', 'today me');
    expect(me!.text).toBe('Social care, today so far: 1 received, 1 answered, median first response 20 min, 100% (1 of 1) within target.');
  });

  it('answers unknown arguments and unresolvable names with usage help', async () => {
    const [bad] = await command('UALICE', 'lastweek');
    expect(bad!.text).toContain('I don’t know “lastweek”');
    expect(bad!.text).toContain('/social-stats export 30d');
    const [plain] = await command('UALICE', '7d @bob');
    expect(plain!.text).toContain('can’t tell who “@bob” is');
    const [help] = await command('UALICE', 'help');
    expect(help!.text).toContain('How to use /social-stats');
  });

  it('export sends a CSV of one row per mention to the person’s DM', async () => {
    const before = slack.uploads.length;
    const answers = await command('UALICE', 'export 24h', 2);
    expect(answers[0]!.text).toContain('Preparing your CSV');
    expect(answers[1]!.text).toMatch(/Sent earshot-mentions-24h-\d{4}-\d{2}-\d{2}\.csv \(4 mentions\) to your direct messages/);
    expect(slack.uploads).toHaveLength(before + 1);
    const upload = slack.uploads.at(-1)!;
    const dm = slack.okCalls('conversations.open').at(-1)!;
    expect(dm.args.users).toBe('UALICE');
    expect(upload.channel).toBe((dm.response as { channel: { id: string } }).channel.id);
    expect(upload.channel).toMatch(/^D/);
    expect(upload.initialComment).toContain('4 rows, one per mention');
    const csv = upload.content.toString('utf8');
    expect(csv.startsWith('\ufeffid,source,external_id,')).toBe(true);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(5);
    const a = lines.find((l) => l.includes('flow-stats-A'))!;
    expect(a).toContain(',UALICE,');
    expect(a).toMatch(/,20,[^,]+,met,/);
    expect(lines.find((l) => l.includes('flow-stats-C'))).toContain(',breached,');
    // Customer text that a spreadsheet would run as a formula is defused, and quotes are doubled.
    expect(lines.find((l) => l.includes('flow-stats-D'))).toContain(`"'=HYPERLINK(""https://evil.example"",""click"") my parcel, ""again"", is late"`);
  });

  it('export is for responders and leads only', async () => {
    const before = slack.uploads.length;
    const [answer] = await command('UEVE', 'export 30d');
    expect(answer!.text).toContain('for members of <#CTRIAGE01> and leads');
    expect(slack.uploads).toHaveLength(before);
  });
});

describe('App Home', () => {
  beforeEach(startStory);
  afterEach(stopStory);

  /** Opens ALICE's Home tab and resolves with the view the fake Slack holds once it is published. */
  async function openHome(): Promise<FakeView> {
    const r = await homeOpened('UALICE');
    expect(r.status).toBe(200);
    await slack.waitFor(() => slack.views.published.has('UALICE'), PATIENT_MS, 'home published');
    return slack.views.published.get('UALICE')!;
  }

  it('publishes My mentions, Unclaimed and the team line when the tab is opened', async () => {
    const home = await openHome();
    const all = flat(home.blocks);
    expect(all).toContain('3 open (no reply yet) · :warning: 1 at risk · :rotating_light: 1 overdue · today’s median first response: 20 min');
    expect(all).toContain('*My mentions* (1)');
    expect(all).toContain(`home_mine:${ids.A}`);
    expect(all).toContain('replied, not resolved yet');
    expect(all).toContain('*Unclaimed* (2, oldest first)');
    // Oldest first: B (−50) before D (−5); each with the card's own Claim action.
    expect(all.indexOf(`home_unclaimed:${ids.B}`)).toBeLessThan(all.indexOf(`home_unclaimed:${ids.D}`));
    expect(all).toContain(`"action_id":"${ACTION.claim}"`);
    expect(all).not.toContain(`home_unclaimed:${ids.C}`); // BOB's
  });

  it('a Claim on the Home tab goes through the card listener and refreshes the view', async () => {
    const home = await openHome();
    const publishes = slack.okCalls('views.publish').length;
    const r = await app.interact(blockAction({ user: 'UALICE', actionId: ACTION.claim, value: String(ids.B), view: home }));
    expect(r.status).toBe(200);
    await slack.waitFor(() => flat(slack.views.published.get('UALICE')!.blocks).includes(`home_mine:${ids.B}`), PATIENT_MS, 'home refreshed after the claim');
    expect(slack.okCalls('views.publish').length).toBeGreaterThan(publishes);
    const all = flat(slack.views.published.get('UALICE')!.blocks);
    expect(all).toContain('*My mentions* (2)');
    expect(all).toContain('*Unclaimed* (1, oldest first)');
    expect(all).toContain(':warning: at risk');
    const row = await database.db.selectFrom('mentions').select(['owner_id', 'status']).where('id', '=', ids.B).executeTakeFirstOrThrow();
    expect(row).toEqual({ owner_id: 'UALICE', status: 'claimed' });
  });

  it('a Claim that loses is explained in the triage channel (a Home click has no channel)', async () => {
    const home = await openHome();
    await app.triage.claim(ids.B, 'UALICE');
    const before = slack.ephemerals.length;
    await app.interact(blockAction({ user: 'UBOB', actionId: ACTION.claim, value: String(ids.B), view: home }));
    await slack.waitFor(() => slack.ephemerals.length > before, PATIENT_MS, 'ephemeral');
    expect(slack.ephemerals.at(-1)).toMatchObject({ channel: TRIAGE, user: 'UBOB' });
    expect(slack.ephemerals.at(-1)!.text).toContain('Already claimed by <@UALICE>');
  });

  it('refreshes when the SLA sweep moves a mention past its deadline', async () => {
    await openHome();
    const publishes = slack.okCalls('views.publish').length;
    clock.set(at(11)); // B (posted at −50, due at +10) is now overdue
    const swept = await app.sweepSla();
    expect(swept?.queued.some((r) => r.mentionId === ids.B && r.kind === 'overdue')).toBe(true);
    await slack.waitFor(() => slack.okCalls('views.publish').length > publishes, PATIENT_MS, 'home refreshed after the sweep');
    await slack.waitFor(() => flat(slack.views.published.get('UALICE')!.blocks).includes(':rotating_light: 2 overdue'), PATIENT_MS, 'team line counts B overdue');
  });
});
