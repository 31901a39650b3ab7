import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

/** Opening the Home tab publishes a fresh view (the Messages tab is off in the manifest). */
export function registerAppHomeOpened(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await deps.home.opened(event.user);
    } catch (err) {
      deps.logger.warn({ user: event.user, err: (err as Error).message }, 'could not publish the App Home view');
    }
  });
}
