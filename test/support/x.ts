import type { Database } from '../../src/db/database.js';
import type { FakeSlack } from '../fakes/slack-server.js';
import { FAKE_X_BEARER_TOKEN, FAKE_X_USER_TOKENS, type FakeX } from '../fakes/x-server.js';
import { TRIAGE } from './app.js';

/** Environment that points the app at the fake X (reading; `user: true` adds the reply credentials). */
export function xEnv(fake: FakeX, over: Record<string, string | undefined> = {}, opts: { user?: boolean } = {}): Record<string, string | undefined> {
  return {
    X_BEARER_TOKEN: FAKE_X_BEARER_TOKEN,
    X_BRAND_USERNAME: fake.brand.username,
    X_API_URL: fake.url,
    SLACK_POSTS_PER_SECOND: '100',
    ...(opts.user
      ? {
          X_API_KEY: FAKE_X_USER_TOKENS.appKey,
          X_API_SECRET: FAKE_X_USER_TOKENS.appSecret,
          X_ACCESS_TOKEN: FAKE_X_USER_TOKENS.accessToken,
          X_ACCESS_SECRET: FAKE_X_USER_TOKENS.accessSecret,
        }
      : {}),
    ...over,
  };
}

/** How many cards the triage channel holds per mention id. */
export function cardsByMention(slack: FakeSlack): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of slack.topLevel(TRIAGE)) {
    const id = (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id;
    if (typeof id === 'number') out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/** Mention rows from X keyed by post id. */
export async function xMentions(database: Database): Promise<Map<string, { id: number; card_ts: string | null; status: string }>> {
  const rows = await database.db.selectFrom('mentions').select(['id', 'external_id', 'card_ts', 'status']).where('source', '=', 'x').execute();
  return new Map(rows.map((r) => [r.external_id, r]));
}

/**
 * Waits until every one of `postIds` is a mention with a card in the channel, and the row knows the
 * card's ts. The default wait is long (under the 60 s test timeout): 250 cards paced to Slack on a
 * loaded two-core machine took longer than 15 s, and a slow machine should wait, not fail.
 */
export async function waitForCards(slack: FakeSlack, database: Database, postIds: string[], timeoutMs = 50_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await xMentions(database);
    const cards = cardsByMention(slack);
    const missing = postIds.filter((id) => !cards.has(rows.get(id)?.id ?? -1) || !rows.get(id)?.card_ts);
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} of ${postIds.length} posts have no card after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
