import type { App, BlockButtonAction, BlockStaticSelectAction } from '@slack/bolt';
import { firstPostOf, recentPosts, type ConversationPost } from '../../../db/conversation.js';
import type { ModalView } from '@slack/types';
import { getMention } from '../../../db/mentions.js';
import { getReply, getSavedReply, listSavedReplies, newestReplyId } from '../../../db/replies.js';
import { isOpen } from '../../../domain/lifecycle.js';
import { X_POST_LIMIT } from '../../../domain/x-length.js';
import { fillTemplate } from '../../../services/replies.js';
import { CONVERSATION_POSTS } from '../../blocks/conversation.js';
import { replyModal, decodeMeta, type ModalMeta, type ReplyModalInput } from '../../blocks/modals.js';
import type { MentionRow } from '../../../db/schema.js';
import { ACTION, INPUT } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser, tellUser } from '../respond.js';

// A case whose first post has no posts row (stored before posts were kept) still shows it.
const withFirstPost = (m: MentionRow, posts: ConversationPost[]) =>
  posts.length < CONVERSATION_POSTS && !posts.some((p) => p.external_id === m.external_id) ? [firstPostOf(m), ...posts] : posts;

type ReplyModalText = Pick<ReplyModalInput, 'initialText' | 'initialMode' | 'textVersion' | 'otherReply'>;

/** The Reply modal for a mention, as its sender (X or elsewhere) shapes it, with the conversation so far. */
export async function buildReplyModal(deps: ListenerDeps, m: MentionRow, meta: ModalMeta, text: ReplyModalText): Promise<ModalView> {
  const sender = deps.replies.senderFor(m);
  const [posts, target] = await Promise.all([recentPosts(deps.db, m.id, CONVERSATION_POSTS), deps.replies.targetFor(m)]);
  return replyModal({
    mention: m,
    conversation: withFirstPost(m, posts),
    answers: target.externalId,
    meta,
    savedReplies: await listSavedReplies(deps.db),
    destinationNote: sender.describe(m),
    postsForReal: sender.destination !== 'elsewhere',
    publicLimit: sender.destination === 'x' ? X_POST_LIMIT : undefined,
    linkCostsMore: sender.destination === 'x',
    ...text,
  });
}

/** Opens the Reply modal: from a card's Reply button, or "Edit and retry" after a refused reply. */
export function registerReply(app: App, deps: ListenerDeps): void {
  const modal = (m: MentionRow, meta: ModalMeta, text: ReplyModalText) => buildReplyModal(deps, m, meta, text);

  const open = async (args: { client: App['client']; triggerId: string; user: string; channel: string; mentionId: number; text?: string; mode?: 'public' | 'dm' }) => {
    if (!(await teamOnly(deps, args, 'reply'))) return;
    const m = await getMention(deps.db, args.mentionId);
    if (!m) return tellUser(args.client, args.channel, args.user, 'That mention no longer exists in earshot.', deps.logger);
    if (!isOpen(m.status)) return tellUser(args.client, args.channel, args.user, 'This mention is already closed.', deps.logger);
    const meta: ModalMeta = { mentionId: m.id, channel: args.channel, seenReplyId: await newestReplyId(deps.db, m.id) };
    await args.client.views.open({ trigger_id: args.triggerId, view: await modal(m, meta, { initialText: args.text, initialMode: args.mode }) });
  };

  app.action<BlockButtonAction>(ACTION.reply, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    const mentionId = Number(action.value);
    await runForUser({ client, channel, user: body.user.id, logger: deps.logger, ids: { mentionId } }, () =>
      open({ client, triggerId: body.trigger_id, user: body.user.id, channel, mentionId }),
    );
  });

  app.action<BlockButtonAction>(ACTION.retryReply, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? deps.config.slack.triageChannel;
    const reply = await getReply(deps.db, Number(action.value));
    if (!reply) return;
    await runForUser({ client, channel, user: body.user.id, logger: deps.logger, ids: { replyId: reply.id } }, () =>
      open({ client, triggerId: body.trigger_id, user: body.user.id, channel, mentionId: reply.mention_id, text: reply.text, mode: reply.mode }),
    );
  });

  // Picking a saved reply puts its text (with the customer's name) in the box, ready to edit.
  app.action<BlockStaticSelectAction>(INPUT.savedReply.action, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const meta = decodeMeta(view?.private_metadata);
    if (!view || !meta) return;
    if (!(await deps.permissions.check(body.user.id, 'reply')).ok) return;
    const [m, saved] = await Promise.all([getMention(deps.db, meta.mentionId), getSavedReply(deps.db, Number(action.selected_option.value))]);
    if (!m || !saved) return;
    const version = Date.now() % 1_000_000;
    const modeState = view.state?.values?.[INPUT.replyMode.block]?.[INPUT.replyMode.action]?.selected_option?.value;
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: await modal(m, meta, { initialText: fillTemplate(saved.body, m), initialMode: modeState === 'dm' ? 'dm' : 'public', textVersion: version }),
    });
  });
}
