import { str } from '../http.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, FAKE_TEAM_NAME, FAKE_WORKSPACE_URL } from '../state.js';
import type { Handler } from './common.js';
import { fail } from './common.js';

export const authTest: Handler = ({ store }) => ({
  ok: true,
  url: FAKE_WORKSPACE_URL,
  team: FAKE_TEAM_NAME,
  user: store.users.get(FAKE_BOT_USER_ID)?.name ?? 'earshot',
  team_id: FAKE_TEAM_ID,
  user_id: FAKE_BOT_USER_ID,
  bot_id: FAKE_BOT_ID,
  is_enterprise_install: false,
});

export const usersInfo: Handler = ({ args, store }) => {
  const id = str(args, 'user');
  const u = id === undefined ? undefined : store.users.get(id);
  if (!u) return fail('user_not_found');
  const realName = u.real_name ?? u.name;
  const tz = u.tz ?? 'UTC';
  return {
    ok: true,
    user: {
      id: u.id,
      team_id: FAKE_TEAM_ID,
      name: u.name,
      deleted: false,
      real_name: realName,
      tz,
      tz_label: tz,
      tz_offset: 0,
      is_bot: u.is_bot ?? false,
      is_admin: false,
      is_owner: false,
      is_restricted: u.is_restricted ?? false,
      is_ultra_restricted: u.is_ultra_restricted ?? false,
      profile: { display_name: u.name, real_name: realName, display_name_normalized: u.name, real_name_normalized: realName },
    },
  };
};

export const usergroupUsers: Handler = ({ args, store }) => {
  const users = store.usergroups.get(str(args, 'usergroup')!);
  if (!users) return fail('no_such_subteam');
  return { ok: true, users: [...users] };
};
