/**
 * The demo's two conversations on the open networks: a customer on Bluesky and one on Mastodon
 * write to Lumen Air, earshot's own readers poll the local fake servers, each post becomes a
 * card, and a reply typed in Slack lands on the fake network in the customer's thread.
 */
import type { Earshot } from '../src/earshot.js';
import { FAKE_BSKY_BRAND, startFakeBluesky, type FakeBluesky } from '../test/fakes/bluesky-server.js';
import { FAKE_MASTODON_TOKEN, startFakeMastodon, type FakeMastodon } from '../test/fakes/mastodon-server.js';
import type { Person, Team } from './team.js';
import type { Transcript } from './transcript.js';

export interface DemoNetworks {
  bluesky: FakeBluesky;
  mastodon: FakeMastodon;
  /** The variables that point earshot at the two fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** How many mentions the two conversations add to the morning. */
export const NETWORK_MENTIONS = 2;

const CUSTOMERS = {
  bluesky: { handle: 'tomas.bsky.social', name: 'Tomás Reis', followers: 2_310, text: '@brand.bsky.social my Lumen Air boarding pass won’t load in the app and boarding closes in 40 minutes. Gate B12, flight LA118 😬' },
  mastodon: { acct: 'lena@mastodon.example', name: 'Lena Vogel', followers: 540, text: '@brand is there a way to add a bike to booking LMN7Q2 without calling? The website form keeps timing out.' },
};

export const NETWORK_REPLIES = {
  bluesky: 'Hi Tomás, so sorry! Show your booking code at the gate in B12: the agents can board you without the app. We’re fixing the boarding pass bug now.',
  mastodon: 'Hi Lena, yes: Manage booking → Extras → Sports equipment adds the bike. If the form times out again, reply here with a good time and we’ll add it for you.',
};

export async function startDemoNetworks(): Promise<DemoNetworks> {
  const [bluesky, mastodon] = await Promise.all([startFakeBluesky(), startFakeMastodon()]);
  return {
    bluesky,
    mastodon,
    env: {
      BLUESKY_HANDLE: FAKE_BSKY_BRAND.handle,
      BLUESKY_APP_PASSWORD: FAKE_BSKY_BRAND.password,
      BLUESKY_SERVICE: bluesky.url,
      MASTODON_URL: mastodon.url,
      MASTODON_ACCESS_TOKEN: FAKE_MASTODON_TOKEN,
    },
    close: async () => {
      await Promise.all([bluesky.close(), mastodon.close()]);
    },
  };
}

async function mentionId(earshot: Earshot, source: string, externalId: string): Promise<number> {
  const row = await earshot.database.db.selectFrom('mentions').select('id').where('source', '=', source).where('external_id', '=', externalId).executeTakeFirstOrThrow();
  return row.id;
}

/** The scene: one post on each network, read by earshot, carded, claimed and answered from Slack. */
export async function playNetworks(o: { earshot: Earshot; team: Team; nets: DemoNetworks; t: Transcript; bluesky: Person; mastodon: Person }): Promise<void> {
  const { earshot, team, nets, t } = o;
  const sky = nets.bluesky.post({ handle: CUSTOMERS.bluesky.handle, displayName: CUSTOMERS.bluesky.name, followers: CUSTOMERS.bluesky.followers, text: CUSTOMERS.bluesky.text });
  const toot = nets.mastodon.mention({ acct: CUSTOMERS.mastodon.acct, displayName: CUSTOMERS.mastodon.name, followers: CUSTOMERS.mastodon.followers, text: CUSTOMERS.mastodon.text });
  t.act('earshot', `reads @${FAKE_BSKY_BRAND.handle}'s notifications on Bluesky and the brand's mentions on Mastodon (both free)`);
  await Promise.all([earshot.bluesky.pollNow(), earshot.mastodon.pollNow()]);
  await team.settle();

  const onBluesky = await mentionId(earshot, 'bluesky', sky.uri);
  await team.click(o.bluesky, 'Claim', onBluesky);
  await team.reply(o.bluesky, onBluesky, NETWORK_REPLIES.bluesky);
  const answer = nets.bluesky.posts.find((p) => p.author.did === FAKE_BSKY_BRAND.did && p.record.reply?.parent.uri === sky.uri);
  if (answer) t.note(`on Bluesky: @${FAKE_BSKY_BRAND.handle} replied under @${CUSTOMERS.bluesky.handle}'s post, in its thread: “${answer.record.text}”`);

  const onMastodon = await mentionId(earshot, 'mastodon', toot.id);
  await team.click(o.mastodon, 'Claim', onMastodon);
  await team.reply(o.mastodon, onMastodon, NETWORK_REPLIES.mastodon);
  const reply = nets.mastodon.statuses.find((s) => s.account.id === nets.mastodon.brand.id && s.in_reply_to_id === toot.id);
  if (reply) t.note(`on Mastodon: @${nets.mastodon.brand.acct} answered @${CUSTOMERS.mastodon.acct} (${reply.visibility}, in reply to their post)`);
}

/** What the summary must find: each reply on its network, under the customer's post. */
export function networkProblems(nets: DemoNetworks): string[] {
  const problems: string[] = [];
  if (!nets.bluesky.posts.some((p) => p.author.did === FAKE_BSKY_BRAND.did && p.record.reply && p.record.text === NETWORK_REPLIES.bluesky)) problems.push('no reply reached Bluesky');
  if (!nets.mastodon.statuses.some((s) => s.account.id === nets.mastodon.brand.id && s.in_reply_to_id !== null)) problems.push('no reply reached Mastodon');
  return problems;
}
