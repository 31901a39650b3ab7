/**
 * The demo's conversation scenes: a customer who writes again after Bob's answer, and an answer
 * the brand made on X directly. Each step checks what earshot did and says what it expected when
 * it did not, so the summary can name the step.
 */
import type { ManualClock } from '../src/clock.js';
import type { Earshot } from '../src/earshot.js';
import type { FakeSlack } from '../test/fakes/slack-server.js';
import type { FakeX } from '../test/fakes/x-server.js';
import { BRAND, sample } from './samples.js';
import type { Team, Person } from './team.js';
import type { Transcript } from './transcript.js';

export const CONVERSATION_TEXT = {
  lostBagAgain: 'Still no bag and no courier. It is 9 pm, I have an early meeting tomorrow and everything is in that suitcase.',
  tarmacAgain: '@lumenair gate B12 has no vouchers left and the desk is closed. Where do we go?',
  tarmacOnX: 'Maya, the desk at B14 has reopened and has vouchers for everyone on LA220. We have told the team you are on your way.',
} as const;

interface Deps {
  earshot: Earshot;
  team: Team;
  slack: FakeSlack;
  fakeX: FakeX;
  clock: ManualClock;
  t: Transcript;
  triage: string;
  /** The mention id of a sample. */
  id: (key: string) => Promise<number>;
  sweep: () => Promise<Array<{ kind: string; mentionId: number }>>;
}

/** Runs both scenes; returns what did not happen as expected (empty when all did). */
export async function playConversations(d: Deps, bob: Person): Promise<string[]> {
  const problems: string[] = [];
  const check = (ok: boolean, step: string) => {
    if (!ok) problems.push(step);
    d.t.note(`${ok ? '✓' : '✗'} ${step}`);
  };
  const db = d.earshot.database.db;
  const caseRow = (id: number) => db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const cases = async () => Number((await db.selectFrom('mentions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const inThread = (cardTs: string | null, text: string) => Boolean(cardTs) && d.slack.thread(d.triage, cardTs!).some((m) => JSON.stringify(m).includes(text.slice(0, 40)));

  // The Reddit customer answers Bob's reply: same case, the follow-up in its thread, waiting again.
  d.clock.advanceMinutes(2);
  d.t.scene(d.clock.now(), 'The customer writes again after Bob’s answer');
  const lostBag = await d.id('lost-bag');
  const before = await cases();
  const s = sample('lost-bag');
  await d.team.webhook('The Reddit connector', {
    mentions: [
      {
        source: s.source,
        id: `${s.source}-${s.key}-2`,
        in_reply_to: `${s.source}-${s.key}`,
        text: CONVERSATION_TEXT.lostBagAgain,
        author: { id: s.author.id, handle: s.author.handle, name: s.author.name, followers: s.author.followers },
        posted_at: d.clock.now().toISOString(),
      },
    ],
  });
  const again = await caseRow(lostBag);
  check((await cases()) === before, 'the follow-up joins the case: no new card');
  check(inThread(again.card_ts, CONVERSATION_TEXT.lostBagAgain), 'the follow-up is a line in the card’s thread');
  check(again.waiting_since !== null && again.customer_posts === 2, 'the case waits for the brand again (2 customer posts)');
  check(again.owner_id === bob.id, 'Bob still owns it');

  // The customer on X answers Alice's reply; a colleague answers on X itself, outside earshot.
  d.t.scene(d.clock.now(), 'Maya writes again on X; the answer is given on X directly');
  const tarmac = await d.id('tarmac');
  const alicesReply = (await db.selectFrom('replies').select('external_id').where('mention_id', '=', tarmac).where('status', '=', 'sent').executeTakeFirst())?.external_id;
  const maya = sample('tarmac').author;
  const followUp = d.fakeX.addPost({
    authorId: maya.id,
    text: CONVERSATION_TEXT.tarmacAgain,
    createdAt: d.clock.now(),
    ...(alicesReply ? { referencedTweets: [{ type: 'replied_to' as const, id: alicesReply }] } : {}),
  });
  d.t.act('earshot', `reads @${BRAND.username}'s mentions on X`);
  await d.earshot.x.pollNow();
  await d.team.settle();
  const mayaCase = await caseRow(tarmac);
  check((await cases()) === before, 'Maya’s reply to the brand joins her case on X');
  check(mayaCase.waiting_since !== null, 'her case waits for the brand again');

  d.clock.advanceMinutes(4);
  d.t.act(`@${BRAND.username} on X`, `replies to Maya directly on x.com: “${CONVERSATION_TEXT.tarmacOnX}”`);
  d.fakeX.addBrandPost({ text: CONVERSATION_TEXT.tarmacOnX, inReplyTo: followUp.id, createdAt: d.clock.now() });
  d.clock.advanceMinutes(1);
  d.t.act('earshot', `reads @${BRAND.username}'s own posts on X`);
  await d.earshot.x.pollNow();
  await d.team.settle();
  const answered = await caseRow(tarmac);
  const outside = await db.selectFrom('posts').select('id').where('case_id', '=', tarmac).where('via', '=', 'outside').execute();
  check(outside.length === 1, 'the reply made on X is recorded as the brand’s, outside earshot');
  check(answered.waiting_since === null && inThread(answered.card_ts, CONVERSATION_TEXT.tarmacOnX), 'it stops the clock and shows in the card’s thread');

  // The next-response deadline passes for the Reddit customer: Bob is reminded, Maya's case is not.
  d.clock.advanceMinutes(46);
  d.t.scene(d.clock.now(), 'The next-response clock');
  const queued = await d.sweep();
  check(
    queued.some((q) => q.mentionId === lostBag),
    'the SLA sweep reminds Bob about the customer who wrote again',
  );
  check(!queued.some((q) => q.mentionId === tarmac), 'no reminder for Maya: she was answered on X');
  return problems;
}
