/** Action and callback ids, shared by the block builders and the listeners. */
export const ACTION = {
  claim: 'mention_claim',
  reply: 'mention_reply',
  escalate: 'mention_escalate',
  more: 'mention_more',
  retryReply: 'reply_retry',
  pickSavedReply: 'reply_pick_saved',
} as const;

/** Values of the card's overflow menu: `${MORE.x}:${mentionId}`. */
export const MORE = {
  release: 'release',
  reassign: 'reassign',
  resolve: 'resolve',
  noReply: 'no_reply',
} as const;
export type MoreChoice = (typeof MORE)[keyof typeof MORE];

export const VIEW = {
  reply: 'reply_modal',
  escalate: 'escalate_modal',
  reassign: 'reassign_modal',
  close: 'close_modal',
} as const;

/** block_id / action_id pairs of modal inputs. */
export const INPUT = {
  replyText: { block: 'reply_text', action: 'text' },
  replyMode: { block: 'reply_mode', action: 'mode' },
  replyLink: { block: 'reply_link', action: 'link' },
  replySave: { block: 'reply_save', action: 'save' },
  savedReply: { block: 'reply_saved', action: 'reply_pick_saved' },
  escalateReason: { block: 'esc_reason', action: 'reason' },
  escalateSeverity: { block: 'esc_severity', action: 'severity' },
  escalateCategory: { block: 'esc_category', action: 'category' },
  reassignUser: { block: 'reassign_user', action: 'user' },
  closeKind: { block: 'close_kind', action: 'kind' },
  closeReason: { block: 'close_reason', action: 'reason' },
} as const;
