/**
 * The demo's sample mentions, written for earshot: one morning at Lumen Air, a fictional airline
 * whose X handle is @lumenair. Every person, handle, booking code and link here is invented.
 *
 * `via: 'x'` posts are put on the fake X server and read by earshot's own X poller; `via:
 * 'webhook'` ones are sent to POST /ingest/mentions, signed, as another network's connector would.
 * `minutesAgo` is relative to the demo's start; `lumen-lost-bag` was posted long before it reaches
 * earshot (a forum connector that runs hourly), so it arrives already past its deadline.
 */

export const BRAND = { id: '1600000000000000001', username: 'lumenair', name: 'Lumen Air' } as const;

export type SampleKind = 'complaint' | 'question' | 'praise' | 'spam';

export interface SampleMention {
  /** How the demo script refers to it. */
  key: string;
  kind: SampleKind;
  via: 'x' | 'webhook';
  /** The network, for webhook mentions. */
  source: string;
  minutesAgo: number;
  text: string;
  author: { id: string; handle: string; name: string; followers: number };
  url?: string;
}

export const SAMPLES: SampleMention[] = [
  {
    key: 'tarmac',
    kind: 'complaint',
    via: 'x',
    source: 'x',
    minutesAgo: 8,
    // The influencer: a first-time complainer with a large audience.
    text: 'Four hours on the tarmac in Denver with @lumenair and now LA220 is cancelled. No hotel vouchers, nobody at the desk, 300 of us sleeping on the floor tonight. #LumenAirFail',
    author: { id: '1700000000000000101', handle: 'maya_travels', name: 'Maya Ortiz', followers: 412_000 },
  },
  {
    key: 'pets',
    kind: 'question',
    via: 'x',
    source: 'x',
    minutesAgo: 5,
    text: '@lumenair can I bring my cat in the cabin on a flight to Lisbon? Your site says "contact us" and the chat has been down all morning.',
    author: { id: '1700000000000000102', handle: 'dev_okafor', name: 'Dev Okafor', followers: 2_140 },
  },
  {
    key: 'glasses',
    kind: 'praise',
    via: 'x',
    source: 'x',
    minutesAgo: 12,
    text: 'Shout out to the @lumenair crew on LA412 who found my reading glasses under seat 14C and ran them to the gate. Made my week!',
    author: { id: '1700000000000000103', handle: 'granny_june', name: 'June Whitfield', followers: 87 },
  },
  {
    key: 'refund',
    kind: 'complaint',
    via: 'webhook',
    source: 'facebook',
    minutesAgo: 20,
    text: 'It has been six weeks since you cancelled my flight and I still have not got my refund. Case LR-88213. Three emails, zero answers. Is anyone actually working there?',
    author: { id: 'fb-5512093', handle: 'jonas.berg', name: 'Jonas Berg', followers: 640 },
    url: 'https://facebook.example/lumenair/posts/10158#c-88213',
  },
  {
    key: 'vegan',
    kind: 'question',
    via: 'webhook',
    source: 'instagram',
    minutesAgo: 3,
    text: 'Do you serve vegan meals on the Reykjavik route? Booking for my mum next month and she will not eat the crisps for three hours 🌱',
    author: { id: 'ig-77120', handle: 'ana.lindqvist', name: 'Ana Lindqvist', followers: 1_380 },
    url: 'https://instagram.example/p/CzLumen42/',
  },
  {
    key: 'crypto',
    kind: 'spam',
    via: 'webhook',
    source: 'facebook',
    minutesAgo: 1,
    // Written to look like a ping and a disguised link: earshot escapes both.
    text: '<!channel> 🚀 Earn 5 BTC a week from home!!! Lumen Air staff already doing it, DM me <https://bit.example/free-btc|lumenair.com/refunds>',
    author: { id: 'fb-000991', handle: 'crypto.king.2026', name: 'Crypto King', followers: 12 },
    url: 'https://facebook.example/lumenair/posts/10158#c-99102',
  },
  {
    key: 'lost-bag',
    kind: 'complaint',
    via: 'webhook',
    source: 'reddit',
    // Posted 75 minutes before it reaches earshot: already overdue on arrival.
    minutesAgo: 75,
    text: 'Lumen Air lost my bag on the way to my sister\'s wedding. The tracker says Frankfurt, I am in Oslo, the wedding is tomorrow and customer service hung up on me twice.',
    author: { id: 't2_8xk2p', handle: 'fjordhopper', name: 'fjordhopper', followers: 230 },
    url: 'https://reddit.example/r/travel/comments/1q2w3e/lumen_air_lost_my_bag/',
  },
  {
    key: 'app-crash',
    kind: 'complaint',
    via: 'webhook',
    source: 'tiktok',
    minutesAgo: 2,
    text: 'your app logged me out at check-in and then the desk charged me €45 to print a boarding pass. make it make sense @lumenair',
    author: { id: 'tt-66311', handle: 'sofi.travels', name: 'Sofía Ruiz', followers: 3_900 },
    url: 'https://tiktok.example/@sofi.travels/video/7301',
  },
];

export function sample(key: string): SampleMention {
  const s = SAMPLES.find((m) => m.key === key);
  if (!s) throw new Error(`no sample ${key}`);
  return s;
}

/** The webhook body for a sample, posted `minutesAgo` before `now`. */
export function webhookMention(s: SampleMention, now: Date): Record<string, unknown> {
  return {
    source: s.source,
    id: `${s.source}-${s.key}`,
    url: s.url,
    text: s.text,
    author: { id: s.author.id, handle: s.author.handle, name: s.author.name, followers: s.author.followers },
    posted_at: new Date(now.getTime() - s.minutesAgo * 60_000).toISOString(),
  };
}

/** What the team types (the demo's replies, escalation and close reasons). */
export const TEAM_TEXT = {
  tarmacReply:
    'Maya, we are so sorry. Hotel vouchers are being handed out at gate B12 right now and everyone is rebooked on the 07:05. DM us your booking code and we will sort your seat.',
  petsReply: 'Hi Dev! Cats under 8 kg can fly in the cabin to Lisbon in a soft carrier. Add the pet under Manage booking → Extras (€55), or send us your booking code and we will add it for you.',
  glassesReply: 'That made our day too, June! We have passed your thanks to the LA412 crew. Enjoy the reading 📚',
  refundEscalation: 'Six weeks without a refund and three unanswered emails (case LR-88213). Third refund complaint this week: the refunds queue looks stuck.',
  spamReason: 'Crypto spam bot; reported to Facebook.',
  veganReply: 'Hi Ana! Yes: pre-order a vegan hot meal under Manage booking → Meals up to 24 h before the flight to Reykjavik. Your mum will be well fed 🌱',
  lostBagReply: 'We are really sorry. Your bag is on the 14:10 Frankfurt–Oslo and our courier will bring it to you tonight. Please send us the file reference by DM so we can confirm the address.',
  appCrashReply: 'Sofía, that fee should never have been charged. Send us your booking code by DM and we will refund the €45 today; the check-in bug is fixed in app version 5.2.1.',
} as const;
