// Over 300 lines: the demo's story in order (set-up, the scenes, the sweep, the checks at the end),
// which reads best as one script; the team's clicks are in demo/team.ts, the conversations and
// other networks in demo/conversations.ts and demo/networks.ts, the transcript in demo/transcript.ts.
/**
 * `npm run demo`: earshot working end to end with no account and no database server.
 *
 * The real bot (`startEarshot`, HTTP mode, or Socket Mode with --socket) runs on an embedded Postgres in a temporary directory,
 * against the local fake Slack, X, Bluesky and Mastodon servers on 127.0.0.1. Sample mentions arrive through the
 * signed webhook and through earshot's own X poller; a small team clicks Claim, Reply, Escalate and
 * the card menu through the real interaction endpoint; the SLA sweep runs on a clock the demo moves
 * forward; a lead asks /social-stats. The transcript is what the channel would show.
 *
 *   npm run demo                 the coloured transcript (colours only on a terminal; NO_COLOR honoured)
 *   npm run demo -- --quiet      a short summary and the final stats (CI's smoke test)
 *   npm run demo -- --socket     the same story in Socket Mode, over the fake Socket Mode server
 *   LOG_LEVEL=debug npm run demo earshot's own log on stderr
 *
 * Nothing is kept: the database directory is deleted at the end. Exit code 0 when everything the
 * demo expects happened, 1 otherwise (with the reason).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.js';
import { parseConfig, type LogLevel } from '../src/config/index.js';
import { startEarshot, type Earshot } from '../src/earshot.js';
import { createLogger } from '../src/logger.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-server.js';
import { startFakeSocketMode } from '../test/fakes/socket-mode.js';
import { FAKE_X_BEARER_TOKEN, FAKE_X_USER_TOKENS, startFakeX, type FakeX } from '../test/fakes/x-server.js';
import { SIGNING_SECRET } from '../test/support/slack-requests.js';
import { playConversations } from './conversations.js';
import { NETWORK_MENTIONS, networkProblems, playNetworks, startDemoNetworks, type DemoNetworks } from './networks.js';
import { BRAND, SAMPLES, TEAM_TEXT, sample, webhookMention } from './samples.js';
import { Team, type Person } from './team.js';
import { Transcript, hhmm, wantsColor } from './transcript.js';

const quiet = process.argv.includes('--quiet');
const socketMode = process.argv.includes('--socket');
const TRIAGE = 'CSOCIAL01';
const ESCALATIONS = 'CESCALATE1';
const LEADS = 'SLEADS01';
const WEBHOOK_SECRET = 'demo-webhook-secret-0123456789';

const alice: Person = { id: 'UALICE01', name: 'Alice' };
const bob: Person = { id: 'UBOB0001', name: 'Bob' };
const priya: Person = { id: 'UPRIYA01', name: 'Priya (lead)' };

/**
 * The demo's clock starts on the next whole five minutes, a little ahead of the wall clock: the
 * card queue leases jobs whose run_after (the database's now()) has come by earshot's clock, so
 * earshot's clock must never be behind the database's.
 */
function startTime(): Date {
  const fiveMin = 5 * 60_000;
  return new Date(Math.ceil((Date.now() + 2 * 60_000) / fiveMin) * fiveMin);
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const clock = new ManualClock(startTime());
  const dataDir = mkdtempSync(join(tmpdir(), 'earshot-demo-'));
  const fakeSlack = await startFakeSlack({ now: () => clock.now().getTime() });
  const fakeX = await startFakeX({ brand: { ...BRAND } });
  const fakeSocket = socketMode ? await startFakeSocketMode(fakeSlack) : undefined;
  const nets = await startDemoNetworks();
  let earshot: Earshot | undefined;
  const transcript = new Transcript({
    out: process.stdout,
    color: wantsColor(process.stdout, quiet),
    quiet,
    channels: { [TRIAGE]: '#social', [ESCALATIONS]: '#escalations' },
    users: Object.fromEntries([alice, bob, priya].map((p) => [p.id, p.name.replace(/ \(lead\)$/, '')])),
    groups: { [LEADS]: 'leads' },
  });
  try {
    setUpWorkspace(fakeSlack);
    const config = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-demo-0000000000-fake',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ...(socketMode ? { SLACK_MODE: 'socket', SLACK_APP_TOKEN: 'xapp-1-demo-0000000000-fake' } : { SLACK_MODE: 'http' }),
      SLACK_API_URL: fakeSlack.url,
      SLACK_TRIAGE_CHANNEL: TRIAGE,
      SLACK_ESCALATION_CHANNEL: ESCALATIONS,
      SLACK_LEADS_GROUP: LEADS,
      SLACK_POSTS_PER_SECOND: '20',
      PORT: '0',
      DATA_DIR: dataDir,
      INGEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      X_BEARER_TOKEN: FAKE_X_BEARER_TOKEN,
      X_BRAND_USERNAME: BRAND.username,
      X_API_URL: fakeX.url,
      X_API_KEY: FAKE_X_USER_TOKENS.appKey,
      X_API_SECRET: FAKE_X_USER_TOKENS.appSecret,
      X_ACCESS_TOKEN: FAKE_X_USER_TOKENS.accessToken,
      X_ACCESS_SECRET: FAKE_X_USER_TOKENS.accessSecret,
      ...nets.env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    });
    const logger = createLogger({ level: config.logLevel as LogLevel, secrets: config.secrets, pretty: false, destination: process.stderr });
    // runJobs off and X on manual ticks: the demo runs the SLA sweep and the X poll itself, on its clock.
    earshot = await startEarshot({ config, logger, clock, host: '127.0.0.1', runJobs: false, x: { manual: true }, bluesky: { manual: true }, mastodon: { manual: true }, homeDebounceMs: 50 });
    fakeSlack.on('call', (c) => transcript.onCall(c));
    fakeX.on('tweet', (t: { text: string; inReplyToTweetId?: string }) =>
      transcript.onX({ kind: 'reply', to: fakeX.getUser(fakeX.getPost(t.inReplyToTweetId ?? '')?.authorId ?? '')?.username ?? '?', text: t.text }),
    );
    fakeX.on('dm', (d: { participantId: string; text: string }) => transcript.onX({ kind: 'dm', to: fakeX.getUser(d.participantId)?.username ?? '?', text: d.text }));

    const team = new Team({ earshot, slack: fakeSlack, clock, transcript, webhookSecret: WEBHOOK_SECRET, socket: fakeSocket });
    await introduce(earshot, transcript);
    const { stats, conversations } = await play(earshot, team, fakeSlack, fakeX, nets, clock, transcript);
    return await summarise(earshot, fakeSlack, fakeX, nets, transcript, stats, conversations, clock.now(), performance.now() - t0);
  } catch (err) {
    transcript.always(`\nearshot demo failed: ${(err as Error).message}`);
    const recent = fakeSlack.calls.slice(-8).map((c) => `${c.method} ${c.ok ? 'ok' : (c.error ?? c.status)}`);
    transcript.always(`last Slack calls: ${recent.join('; ') || 'none'}`);
    transcript.always('Run it again with LOG_LEVEL=debug to see earshot’s log.');
    return 1;
  } finally {
    await earshot?.stop();
    await Promise.all([fakeSlack.close(), fakeX.close(), fakeSocket?.close(), nets.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function setUpWorkspace(slack: FakeSlack): void {
  for (const p of [alice, bob, priya]) slack.addUser({ id: p.id, name: p.name.split(' ')[0]!.toLowerCase(), real_name: p.name, tz: 'Europe/Lisbon' });
  slack.setChannelMembers(TRIAGE, [alice.id, bob.id, priya.id]);
  slack.setChannelMembers(ESCALATIONS, [priya.id]);
  slack.setUsergroup(LEADS, [priya.id]);
}

async function introduce(earshot: Earshot, t: Transcript): Promise<void> {
  const mode = socketMode ? ' in Socket Mode' : '';
  t.always(quiet ? `earshot demo (quiet): the real bot${mode} on an embedded database, against local fake Slack and X` : '');
  if (quiet) return;
  t.note(`earshot demo: the real bot${mode} on an embedded Postgres, against local fake Slack, X, Bluesky and Mastodon servers. No account, no network.`);
  t.note(`earshot is listening on ${earshot.url} (Slack events, webhook, /healthz, /readyz, /metrics)`);
  const ready = (await (await fetch(`${earshot.url}/readyz`)).json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  for (const c of ready.checks) t.note(`  /readyz ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail ?? ''}`);
  t.note('Team: Alice and Bob answer customers, Priya leads (the @leads group). Channels: #social (cards), #escalations.');
}

/** The morning, scene by scene. Returns the /social-stats answer and what the conversation scenes missed. */
async function play(
  earshot: Earshot,
  team: Team,
  slack: FakeSlack,
  fakeX: FakeX,
  nets: DemoNetworks,
  clock: ManualClock,
  t: Transcript,
): Promise<{ stats: { text?: string; blocks?: unknown[] }; conversations: string[] }> {
  const id = async (key: string) => {
    const s = sample(key);
    const externalId = s.via === 'x' ? xIds.get(key) : `${s.source}-${s.key}`;
    const row = await earshot.database.db.selectFrom('mentions').select('id').where('external_id', '=', String(externalId)).executeTakeFirstOrThrow();
    return row.id;
  };
  const xIds = new Map<string, string>();

  t.scene(clock.now(), 'Mentions arrive: five from other networks through the webhook, three on X');
  const now = clock.now();
  await team.webhook('The Facebook, Instagram, Reddit and TikTok connectors', { mentions: SAMPLES.filter((s) => s.via === 'webhook').map((s) => webhookMention(s, now)) });
  for (const s of SAMPLES.filter((m) => m.via === 'x')) {
    fakeX.addUser({ id: s.author.id, username: s.author.handle, name: s.author.name, followers: s.author.followers });
    xIds.set(s.key, fakeX.addPost({ authorId: s.author.id, text: s.text, createdAt: new Date(now.getTime() - s.minutesAgo * 60_000) }).id);
  }
  t.act('earshot', `reads @${BRAND.username}'s mentions on X`);
  const polled = await earshot.x.pollNow();
  t.note(`read ${polled?.timelines.reduce((n, tl) => n + tl.read, 0) ?? 0} posts from X (each one is billed, so each is read once)`);
  await team.settle();
  t.note(`Card #${await id('crypto')} shows the spammer's <!channel> and disguised link as plain text: customer text is escaped, so it pings nobody.`);
  await team.webhook('The Reddit connector (retrying)', { mentions: [webhookMention(sample('lost-bag'), now)] });
  await sweep(earshot, team, t);

  clock.advanceMinutes(2);
  t.scene(clock.now(), 'The team picks up the urgent ones');
  const tarmac = await id('tarmac');
  await team.click(alice, 'Claim', tarmac);
  await team.click(bob, 'Claim', tarmac);
  const pets = await id('pets');
  await team.click(bob, 'Claim', pets);
  clock.advanceMinutes(3);
  t.scene(clock.now(), 'Replies go out on X');
  await team.reply(alice, tarmac, TEAM_TEXT.tarmacReply);
  await team.reply(bob, pets, TEAM_TEXT.petsReply, { mode: 'dm' });

  clock.advanceMinutes(1);
  t.scene(clock.now(), 'Meanwhile on Bluesky and Mastodon');
  await playNetworks({ earshot, team, nets, t, bluesky: alice, mastodon: bob });

  clock.advanceMinutes(3);
  t.scene(clock.now(), 'Escalate the root cause, close the spam, thank a fan');
  const refund = await id('refund');
  await team.click(alice, 'Claim', refund);
  await team.escalate(alice, refund, { reason: TEAM_TEXT.refundEscalation, severity: 'high', category: 'procedural' });
  await team.closeWithoutReply(priya, await id('crypto'), 'spam', TEAM_TEXT.spamReason);
  const glasses = await id('glasses');
  await team.reply(bob, glasses, TEAM_TEXT.glassesReply);
  await team.menu(bob, 'resolve', glasses);

  clock.advanceMinutes(38);
  t.scene(clock.now(), 'Three quarters of an hour later: the SLA sweep');
  await sweep(earshot, team, t);
  const vegan = await id('vegan');
  await team.click(alice, 'Claim', vegan);
  await team.reply(alice, vegan, TEAM_TEXT.veganReply, { link: 'https://instagram.example/p/CzLumen42/c/1801' });

  clock.advanceMinutes(16);
  t.scene(clock.now(), 'Past the hour');
  await sweep(earshot, team, t);
  const lostBag = await id('lost-bag');
  await team.click(bob, 'Claim', lostBag);
  await team.reply(bob, lostBag, TEAM_TEXT.lostBagReply, { link: 'https://reddit.example/r/travel/comments/1q2w3e/comment/k9x/' });
  const appCrash = await id('app-crash');
  await team.reply(alice, appCrash, TEAM_TEXT.appCrashReply, { link: 'https://tiktok.example/@lumenair/comment/5520' });

  const conversations = await playConversations(
    {
      earshot,
      team,
      slack,
      fakeX,
      clock,
      t,
      triage: TRIAGE,
      id,
      sweep: async () => {
        const r = await earshot.sweepSla();
        await sweepLine(r?.queued ?? [], team, t);
        return r?.queued ?? [];
      },
    },
    bob,
  );

  clock.advanceMinutes(2);
  t.scene(clock.now(), 'How did the morning go?');
  await team.openHome(alice);
  return { stats: await team.command(priya, '/social-stats', '24h'), conversations };
}

async function sweep(earshot: Earshot, team: Team, t: Transcript): Promise<void> {
  const r = await earshot.sweepSla();
  await sweepLine(r?.queued ?? [], team, t);
}

async function sweepLine(queued: Array<{ kind: string; mentionId: number }>, team: Team, t: Transcript): Promise<void> {
  const due = queued.map((q) => `${q.kind.replace('_', '-')} for card #${q.mentionId}`);
  t.act('The SLA sweep', `runs: ${due.length === 0 ? 'nothing is due' : due.join(', ')}`);
  await team.settle();
}

async function summarise(
  earshot: Earshot,
  slack: FakeSlack,
  fakeX: FakeX,
  nets: DemoNetworks,
  t: Transcript,
  stats: { text?: string; blocks?: unknown[] },
  conversations: string[],
  asked: Date,
  ms: number,
): Promise<number> {
  const metrics = await (await fetch(`${earshot.url}/metrics`)).text();
  const m = (name: string, labels: Record<string, string> = {}) => sumOf(metrics, name, labels);
  const mentions = await earshot.database.db.selectFrom('mentions').select(['id', 'card_ts', 'source']).execute();
  const failed = await earshot.database.db.selectFrom('slack_jobs').select('id').where('status', '=', 'failed').execute();
  const problems: string[] = [];
  if (mentions.length !== SAMPLES.length + NETWORK_MENTIONS) problems.push(`${mentions.length} mentions stored, expected ${SAMPLES.length + NETWORK_MENTIONS}`);
  if (mentions.some((r) => !r.card_ts)) problems.push('a mention has no card');
  if (failed.length > 0) problems.push(`${failed.length} Slack write(s) failed`);
  if (fakeX.tweets.length === 0 || fakeX.dms.length === 0) problems.push('no reply or DM reached X');
  problems.push(...networkProblems(nets));
  if (!stats.text) problems.push('/social-stats gave no answer');
  if (!slack.topLevel(ESCALATIONS).length) problems.push('no escalation was posted');
  if (conversations.length > 0) problems.push(`conversations: ${conversations.join('; ')}`);

  const bySource = ['x', 'bluesky', 'mastodon', 'facebook', 'instagram', 'reddit', 'tiktok'].map((s) => `${m('earshot_mentions_ingested_total', { source: s })} ${s}`).join(', ');
  const avg = m('earshot_first_response_seconds_count') ? Math.round(m('earshot_first_response_seconds_sum') / m('earshot_first_response_seconds_count') / 60) : 0;
  t.always('');
  t.always('Summary (from earshot’s /metrics):');
  t.always(`  mentions ingested: ${m('earshot_mentions_ingested_total')} (${bySource}); duplicates ignored: ${m('earshot_mentions_duplicate_total')}; X posts read: ${m('earshot_x_posts_read_total')}`);
  t.always(`  cards posted: ${m('earshot_cards_posted_total')}; claims: ${m('earshot_claims_total')} (${m('earshot_claim_conflicts_total')} lost to someone faster); escalations posted: ${slack.topLevel(ESCALATIONS).length}`);
  t.always(`  replies: ${m('earshot_replies_total', { outcome: 'sent' })} (${m('earshot_replies_total', { destination: 'x', outcome: 'sent' })} sent on X: ${fakeX.tweets.length} public, ${fakeX.dms.length} DM; ${m('earshot_replies_total', { destination: 'bluesky', outcome: 'sent' })} on Bluesky, ${m('earshot_replies_total', { destination: 'mastodon', outcome: 'sent' })} on Mastodon); average first response: ${avg} min`);
  t.always(
    `  conversations: ${m('earshot_posts_joined_total')} posts joined a case, ${m('earshot_cases_reopened_total')} cases reopened, ${m('earshot_brand_replies_outside_total')} brand replies seen outside earshot; X owned reads: ${m('earshot_x_posts_read_total', { source: 'own' })}`,
  );
  t.always(`  SLA reminders: ${m('earshot_reminders_sent_total')} (${m('earshot_sla_breaches_total')} breaches); Slack errors: ${m('earshot_slack_errors_total')}; card queue depth now: ${m('earshot_card_queue_depth')}`);
  if (quiet) {
    t.always('');
    t.always(`/social-stats 24h (asked by ${priya.name} at ${hhmm(asked)}):`);
    for (const line of t.render(stats.blocks, stats.text ?? '')) t.always(`  ${line}`);
  }
  t.always('');
  if (problems.length > 0) {
    t.always(`earshot demo: FAILED: ${problems.join('; ')}`);
    return 1;
  }
  t.always(`earshot demo: done in ${(ms / 1000).toFixed(1)} s. Nothing was kept; run \`npm start\` with a real Slack app next (README → Set up the Slack app).`);
  return 0;
}

/** Sum of every sample of a metric whose labels include `labels`. */
function sumOf(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('earshot demo crashed:', err);
    process.exit(1);
  },
);
