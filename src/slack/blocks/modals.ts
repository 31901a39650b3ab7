import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { ConversationPost } from '../../db/conversation.js';
import type { MentionRow, SavedReplyRow } from '../../db/schema.js';
import { escapeAndTruncate, escapeMrkdwn, quote, safeLink } from '../../domain/mrkdwn.js';
import { INPUT, VIEW } from '../ids.js';
import { conversationBlocks } from './conversation.js';
import { authorLine, sourceName } from './mention-card.js';

/** What a modal carries between opening and submit. */
export interface ModalMeta {
  mentionId: number;
  /** Where ephemeral answers go (the card's channel). */
  channel: string;
  /** Reply modal: the newest reply to the mention when it opened (a newer one holds the reply back). */
  seenReplyId?: number;
}

export function encodeMeta(meta: ModalMeta): string {
  return JSON.stringify(meta);
}

export function decodeMeta(raw: string | undefined): ModalMeta | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<ModalMeta>;
    if (typeof v.mentionId === 'number' && typeof v.channel === 'string') {
      return { mentionId: v.mentionId, channel: v.channel, ...(typeof v.seenReplyId === 'number' ? { seenReplyId: v.seenReplyId } : {}) };
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

function mentionSummary(m: MentionRow): KnownBlock[] {
  return [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${authorLine(m)} on ${escapeMrkdwn(sourceName(m.source))}` }] },
    { type: 'section', text: { type: 'mrkdwn', text: quote(escapeAndTruncate(m.text || ' ', 1500)) } },
  ];
}

export interface ReplyModalInput {
  mention: MentionRow;
  meta: ModalMeta;
  savedReplies: SavedReplyRow[];
  /** What submit will do, from the reply-out port. */
  destinationNote: string;
  /** The sender posts for real (X) rather than recording. */
  postsForReal: boolean;
  initialText?: string;
  initialMode?: 'public' | 'dm';
  /** Changes the text input's block id so Slack shows a new initial value. */
  textVersion?: number;
  /** The public-reply length limit of the destination, if any (X: 280, as X counts it). */
  publicLimit?: number;
  /** The last posts of the case, oldest first; without them the modal shows the case's first post. */
  conversation?: ConversationPost[];
  /** The network id of the post the reply answers (marked in the conversation). */
  answers?: string;
  /** The destination charges more for a post with a link (X's pay-per-use prices). */
  linkCostsMore?: boolean;
  /** Someone else replied after this modal opened: say who and what, and submit becomes "Send anyway". */
  otherReply?: { userId: string; text: string; url: string | null; sending: boolean };
}

export function replyModal(i: ReplyModalInput): ModalView {
  const head = i.conversation?.length ? conversationBlocks(i.mention, i.conversation, { answers: i.answers }) : mentionSummary(i.mention);
  const blocks: KnownBlock[] = [...head, { type: 'divider' }];
  if (i.otherReply) blocks.push(otherReplyBlock(i.otherReply));
  if (i.savedReplies.length > 0) {
    const options: PlainTextOption[] = i.savedReplies.slice(0, 100).map((s) => ({
      text: plain(s.title.slice(0, 75)),
      value: String(s.id),
    }));
    blocks.push({
      type: 'section',
      block_id: INPUT.savedReply.block,
      text: { type: 'mrkdwn', text: 'Start from a saved reply (you can edit it before sending):' },
      accessory: { type: 'static_select', action_id: INPUT.savedReply.action, placeholder: plain('Saved replies'), options },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: `${INPUT.replyText.block}:${i.textVersion ?? 0}`,
      label: plain('Your reply'),
      element: {
        type: 'plain_text_input',
        action_id: INPUT.replyText.action,
        multiline: true,
        max_length: 10_000,
        ...(i.initialText ? { initial_value: i.initialText.slice(0, 10_000) } : {}),
      },
      ...(i.publicLimit ? { hint: plain(lengthHint(i)) } : {}),
    },
    {
      type: 'input',
      block_id: INPUT.replyMode.block,
      label: plain('Send as'),
      element: {
        type: 'radio_buttons',
        action_id: INPUT.replyMode.action,
        options: [
          { text: plain('Public reply'), value: 'public' },
          { text: plain('Direct message'), value: 'dm' },
        ],
        initial_option: i.initialMode === 'dm' ? { text: plain('Direct message'), value: 'dm' } : { text: plain('Public reply'), value: 'public' },
      },
    },
  );
  if (!i.postsForReal) {
    blocks.push({
      type: 'input',
      block_id: INPUT.replyLink.block,
      optional: true,
      label: plain('Link to the reply you sent'),
      element: { type: 'plain_text_input', action_id: INPUT.replyLink.action, placeholder: plain('https://…') },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: INPUT.replySave.block,
      optional: true,
      label: plain('Save as a saved reply (title)'),
      element: { type: 'plain_text_input', action_id: INPUT.replySave.action, max_length: 75, placeholder: plain('Leave empty to not save') },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(i.destinationNote) }] },
  );
  return {
    type: 'modal',
    callback_id: VIEW.reply,
    private_metadata: encodeMeta(i.meta),
    title: plain('Reply'),
    submit: plain(i.otherReply ? 'Send anyway' : i.postsForReal ? 'Send reply' : 'Record reply'),
    close: plain('Cancel'),
    blocks,
  };
}

function lengthHint(i: ReplyModalInput): string {
  const source = sourceName(i.mention.source);
  const counted = i.linkCostsMore ? ' as X counts them (a link counts 23, CJK characters and emoji 2)' : '';
  const cost = i.linkCostsMore ? ` A reply with a link costs more to post on ${source}'s pay-per-use pricing.` : '';
  return `A public reply on ${source} can be at most ${i.publicLimit} characters${counted}; a direct message can be longer.${cost}`;
}

function otherReplyBlock(o: NonNullable<ReplyModalInput['otherReply']>): KnownBlock {
  const link = o.url ? ` (${safeLink(o.url, 'view')})` : '';
  const what = o.sending ? 'is sending a reply right now' : 'already replied';
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `:warning: <@${o.userId}> ${what}${link}:\n${quote(escapeAndTruncate(o.text, 1500))}\nYours was not sent. Press *Send anyway* to send it as well, or Cancel.`,
    },
  };
}

export function escalateModal(m: MentionRow, meta: ModalMeta): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.escalate,
    private_metadata: encodeMeta(meta),
    title: plain('Escalate'),
    submit: plain('Escalate'),
    close: plain('Cancel'),
    blocks: [
      ...mentionSummary(m),
      { type: 'divider' },
      {
        type: 'input',
        block_id: INPUT.escalateCategory.block,
        label: plain('What kind of problem is this?'),
        element: {
          type: 'radio_buttons',
          action_id: INPUT.escalateCategory.action,
          options: [
            { text: plain('Isolated case'), value: 'isolated', description: plain('One customer, one mishap') },
            { text: plain('Policy problem'), value: 'policy', description: plain('A rule of ours causes it') },
            { text: plain('Procedural problem'), value: 'procedural', description: plain('How we work causes it') },
          ],
        },
      },
      {
        type: 'input',
        block_id: INPUT.escalateSeverity.block,
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: INPUT.escalateSeverity.action,
          initial_option: { text: plain('Medium'), value: 'medium' },
          options: (['low', 'medium', 'high', 'critical'] as const).map((s) => ({ text: plain(s[0]!.toUpperCase() + s.slice(1)), value: s })),
        },
      },
      {
        type: 'input',
        block_id: INPUT.escalateReason.block,
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: INPUT.escalateReason.action, multiline: true, max_length: 2000, placeholder: plain('What happened, and what should a lead look at?') },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'The first-response clock keeps running: the customer still needs a reply.' }] },
    ],
  };
}

export function reassignModal(m: MentionRow, meta: ModalMeta): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.reassign,
    private_metadata: encodeMeta(meta),
    title: plain('Reassign'),
    submit: plain('Reassign'),
    close: plain('Cancel'),
    blocks: [
      ...mentionSummary(m),
      {
        type: 'input',
        block_id: INPUT.reassignUser.block,
        label: plain('Hand it to'),
        element: { type: 'users_select', action_id: INPUT.reassignUser.action, placeholder: plain('Choose a person') },
      },
    ],
  };
}

export function closeModal(m: MentionRow, meta: ModalMeta): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.close,
    private_metadata: encodeMeta(meta),
    title: plain('No reply needed'),
    submit: plain('Close mention'),
    close: plain('Cancel'),
    blocks: [
      ...mentionSummary(m),
      {
        type: 'input',
        block_id: INPUT.closeKind.block,
        label: plain('Why'),
        element: {
          type: 'radio_buttons',
          action_id: INPUT.closeKind.action,
          initial_option: { text: plain('No reply needed'), value: 'no_reply_needed' },
          options: [
            { text: plain('No reply needed'), value: 'no_reply_needed' },
            { text: plain('Spam'), value: 'spam' },
          ],
        },
      },
      {
        type: 'input',
        block_id: INPUT.closeReason.block,
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: INPUT.closeReason.action, max_length: 500, placeholder: plain('e.g. a bot account, or a fan tagging us') },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Nothing is deleted: the mention stays on record and in the statistics.' }] },
    ],
  };
}
