/** `GET /2/users/by/username/:username` and `GET /2/users/me` of the fake X. */
import { resourceNotFound } from './errors.js';
import { fieldSelection, renderUser, type FakeXUser } from './model.js';
import type { Reply } from './http.js';
import type { XStore } from './store.js';

function userPayload(user: FakeXUser, query: Record<string, string>): Record<string, unknown> {
  return { data: renderUser(user, fieldSelection(query).userFields) };
}

export function getUserByUsername(store: XStore, username: string, query: Record<string, string>): Reply {
  const user = store.lookup.userByUsername(username);
  if (!user) {
    return {
      status: 200,
      body: { errors: [resourceNotFound('user', 'username', username, `Could not find user with username: [${username}].`)] },
    };
  }
  return { status: 200, body: userPayload(user, query) };
}

export function getMe(store: XStore, query: Record<string, string>): Reply {
  const user = store.users.get(store.brand.id);
  if (!user) throw new Error('brand user missing');
  return { status: 200, body: userPayload(user, query) };
}
