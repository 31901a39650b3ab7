import type { App } from '@slack/bolt';
import { parseStatsArgs, userIdOf } from '../../../domain/stats-args.js';
import { statsWindow } from '../../../domain/stats-window.js';
import { claimExport, sendExport } from '../../export.js';
import { computeStats } from '../../../services/stats.js';
import { statsHelpMessage, statsMessage } from '../../blocks/stats.js';
import type { ListenerDeps } from '../deps.js';

/**
 * `/social-stats [today|24h|7d|30d|90d] [@user|me]` and `/social-stats export [period]`. Acks at
 * once, then answers through the response URL (ephemeral), so a slow query never trips Slack's
 * 3-second deadline.
 */
export function registerSocialStats(app: App, deps: ListenerDeps): void {
  app.command('/social-stats', async ({ ack, command, respond, client }) => {
    await ack();
    const user = command.user_id;
    const answer = (m: { text: string; blocks?: unknown[] }) =>
      respond({ response_type: 'ephemeral', text: m.text, ...(m.blocks ? { blocks: m.blocks as never } : {}) });
    const parsed = parseStatsArgs(command.text ?? '');
    try {
      switch (parsed.kind) {
        case 'help':
          await answer(statsHelpMessage());
          return;
        case 'invalid':
          await answer(statsHelpMessage(parsed.problem));
          return;
        case 'stats': {
          const now = deps.clock.now();
          const window = statsWindow(parsed.period, now, deps.config.stats.timeZone);
          const report = await computeStats(deps.db, { window, userId: userIdOf(parsed.who, user), now });
          await answer(statsMessage(report));
          return;
        }
        case 'export': {
          const verdict = await deps.permissions.check(user, 'export');
          if (!verdict.ok) {
            await answer({ text: verdict.message });
            return;
          }
          const release = claimExport(user);
          if (!release) {
            await answer({ text: ':hourglass_flowing_sand: Your previous export is still being prepared; ask again once it has arrived in your direct messages.' });
            return;
          }
          try {
            const now = deps.clock.now();
            const window = statsWindow(parsed.period, now, deps.config.stats.timeZone);
            await answer({ text: ':hourglass_flowing_sand: Preparing your CSV; it will arrive in your direct messages with me.' });
            const sent = await sendExport({ db: deps.db, client }, { askedBy: user, window, userId: userIdOf(parsed.who, user), now });
            await answer({ text: `:page_facing_up: Sent ${sent.filename} (${sent.rows.toLocaleString('en-US')} mention${sent.rows === 1 ? '' : 's'}) to your direct messages.` });
          } finally {
            release();
          }
          return;
        }
      }
    } catch (err) {
      deps.logger.error({ user, text: command.text, err }, '/social-stats failed');
      const scope = (err as { data?: { error?: string; needed?: string } }).data;
      const why = scope?.error === 'missing_scope' ? ` Slack says the app lacks the \`${scope.needed ?? '?'}\` scope: reinstall it from manifest.yml.` : '';
      await answer({ text: `:warning: Something went wrong while working that out.${why} It has been logged; please try again in a moment.` }).catch(() => undefined);
    }
  });
}
