/**
 * `POST /2/dm_conversations/with/:participant_id/messages` of the fake X: a direct message from
 * the brand, refused by a user who does not take them. Recorded in the store and told to listeners (`dm`).
 */
import { DM_REFUSED, forbidden, invalidRequest } from './errors.js';
import { compareIds } from './model.js';
import type { Reply } from './http.js';
import type { SentDm, XStore } from './store.js';

export function sendDm(store: XStore, participantId: string, body: Record<string, unknown>, told: (dm: SentDm) => void): Reply {
  if (store.refusingDms.has(participantId)) return forbidden(DM_REFUSED);
  const text = typeof body.text === 'string' ? body.text : '';
  if (!text && body.attachments === undefined) {
    return invalidRequest([{ message: '$: At least one of `text`, `attachments` is required' }]);
  }
  const [a, b] = [store.brand.id, participantId].sort(compareIds);
  const dm: SentDm = {
    participantId,
    text,
    dmConversationId: `${a}-${b}`,
    dmEventId: store.ids.next(),
    at: Date.now(),
  };
  store.dms.push(dm);
  told(dm);
  return { status: 201, body: { data: { dm_conversation_id: dm.dmConversationId, dm_event_id: dm.dmEventId } } };
}
