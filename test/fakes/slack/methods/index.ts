import * as chat from './chat.js';
import type { Handler } from './common.js';
import * as conversations from './conversations.js';
import * as directory from './directory.js';
import * as files from './files.js';
import * as views from './views.js';

export type { Body, Handler, MethodContext } from './common.js';

/** The Web API methods the fake implements. */
export const HANDLERS: Record<string, Handler> = {
  'auth.test': directory.authTest,
  'chat.postMessage': chat.postMessage,
  'chat.update': chat.update,
  'chat.delete': chat.del,
  'chat.postEphemeral': chat.postEphemeral,
  'chat.getPermalink': chat.getPermalink,
  'conversations.history': conversations.history,
  'conversations.replies': conversations.replies,
  'conversations.members': conversations.members,
  'conversations.info': conversations.info,
  'conversations.open': conversations.open,
  'views.open': views.open,
  'views.push': views.push,
  'views.update': views.update,
  'views.publish': views.publish,
  'usergroups.users.list': directory.usergroupUsers,
  'users.info': directory.usersInfo,
  'files.getUploadURLExternal': files.getUploadURLExternal,
  'files.completeUploadExternal': files.completeUploadExternal,
};
