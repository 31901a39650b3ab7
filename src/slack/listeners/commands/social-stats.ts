import type { App } from '@slack/bolt';
import { sql } from 'kysely';
import type { ListenerDeps } from '../deps.js';

// TODO(issue 5): the full /social-stats (periods, per-responder table, export) replaces this.
export function registerSocialStats(app: App, deps: ListenerDeps): void {
  app.command('/social-stats', async ({ ack, respond }) => {
    await ack();
    const r = await deps.db
      .selectFrom('mentions')
      .select([
        sql<number>`count(*) filter (where status in ('new','claimed','escalated','replied'))`.as('open'),
        sql<number>`count(*) filter (where posted_at > now() - interval '24 hours')`.as('day'),
      ])
      .executeTakeFirstOrThrow();
    await respond({ response_type: 'ephemeral', text: `Open now: ${r.open} · received in the last 24 h: ${r.day}` });
  });
}
