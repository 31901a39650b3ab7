import type { Database } from '../../src/db/database.js';
import type { MentionRow } from '../../src/db/schema.js';
import { ACTION, INPUT, VIEW } from '../../src/slack/ids.js';
import { FAKE_BSKY_BRAND, type FakeBluesky } from '../fakes/bluesky-server.js';
import { FAKE_MASTODON_TOKEN, type FakeMastodon } from '../fakes/mastodon-server.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { TRIAGE, type TestApp } from './app.js';
import { blockAction, viewSubmission } from './slack-requests.js';
import { cardsByMention } from './x.js';
import { PATIENT_MS } from './patience.js';

/** Environment that points the app at the fake Bluesky (the brand's app password). */
export function blueskyEnv(fake: FakeBluesky): Record<string, string> {
  return { BLUESKY_HANDLE: FAKE_BSKY_BRAND.handle, BLUESKY_APP_PASSWORD: FAKE_BSKY_BRAND.password, BLUESKY_SERVICE: fake.url, SLACK_POSTS_PER_SECOND: '100' };
}

/** Environment that points the app at the fake Mastodon instance. */
export function mastodonEnv(fake: FakeMastodon): Record<string, string> {
  return { MASTODON_URL: fake.url, MASTODON_ACCESS_TOKEN: FAKE_MASTODON_TOKEN, SLACK_POSTS_PER_SECOND: '100' };
}

/** Waits until the post `externalId` of `source` is a mention whose card is in the channel and stored; returns the row. */
export async function waitForCard(slack: FakeSlack, database: Database, source: string, externalId: string, timeoutMs = PATIENT_MS): Promise<MentionRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await database.db.selectFrom('mentions').selectAll().where('source', '=', source).where('external_id', '=', externalId).executeTakeFirst();
    if (row?.card_ts && cardsByMention(slack).has(row.id)) return row;
    if (Date.now() > deadline) throw new Error(`the ${source} post ${externalId} has no card after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Clicks Reply on the card as `user`; returns the opened modal. */
export async function openReply(app: TestApp, slack: FakeSlack, m: MentionRow, user = 'UALICE'): Promise<{ privateMetadata: string; view: any }> {
  const before = slack.views.opened.length;
  await app.interact(blockAction({ user, actionId: ACTION.reply, value: String(m.id), messageTs: m.card_ts!, channel: TRIAGE }));
  await slack.waitFor(() => slack.views.opened.length > before, PATIENT_MS, 'reply modal');
  const opened = slack.views.opened.at(-1) as any;
  const view = opened.view ?? opened;
  return { privateMetadata: view.private_metadata, view };
}

/** Submits the Reply modal with `text` and `mode`. */
export function submitReply(app: TestApp, privateMetadata: string, text: string, mode: 'public' | 'dm', user = 'UALICE') {
  return app.interact(
    viewSubmission({
      user,
      callbackId: VIEW.reply,
      privateMetadata,
      values: {
        [`${INPUT.replyText.block}:0`]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: text } },
        [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: mode } } },
      },
    }),
  );
}

/** The value of one sample of a metric in the Prometheus text (0 when absent). */
export async function metricValue(app: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const text = await app.metrics.registry.getSingleMetricAsString(name);
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

/** The /readyz check named `name`. */
export async function readyCheck(app: TestApp, name: string): Promise<{ name: string; ok: boolean; required: boolean; detail?: string } | undefined> {
  const body = (await (await fetch(`${app.url}/readyz`)).json()) as { checks: { name: string; ok: boolean; required: boolean; detail?: string }[] };
  return body.checks.find((c) => c.name === name);
}
