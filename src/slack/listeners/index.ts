import type { App } from '@slack/bolt';
import { registerClaim } from './actions/claim.js';
import { registerEscalate } from './actions/escalate.js';
import { registerMore } from './actions/more.js';
import { registerReply } from './actions/reply.js';
import { registerSocialStats } from './commands/social-stats.js';
import type { ListenerDeps } from './deps.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerCloseSubmit } from './views/close-submit.js';
import { registerEscalateSubmit } from './views/escalate-submit.js';
import { registerReassignSubmit } from './views/reassign-submit.js';
import { registerReplySubmit } from './views/reply-submit.js';

/** Every listener, by Slack surface. Each acks first and hands the work to a service. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerClaim(app, deps);
  registerReply(app, deps);
  registerEscalate(app, deps);
  registerMore(app, deps);
  registerReplySubmit(app, deps);
  registerEscalateSubmit(app, deps);
  registerReassignSubmit(app, deps);
  registerCloseSubmit(app, deps);
  registerSocialStats(app, deps);
  registerAppHomeOpened(app, deps);
}
