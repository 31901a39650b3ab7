import type { App, ViewSubmitAction } from '@slack/bolt';
import { getMention } from '../../../db/mentions.js';
import { escapeAndTruncate, quote, safeLink } from '../../../domain/mrkdwn.js';
import { X_POST_LIMIT, xLength } from '../../../domain/x-length.js';
import type { ReplyConflict } from '../../../services/replies.js';
import type { PostedRecord } from '../../../services/reply-record.js';
import { buildReplyModal } from '../actions/reply.js';
import { decodeMeta } from '../../blocks/modals.js';
import { ACTION, INPUT, VIEW } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { teamOnly } from '../guard.js';
import { runForUser, tellUser } from '../respond.js';

type Values = ViewSubmitAction['view']['state']['values'];

function textInput(values: Values, block: string, action: string): string | undefined {
  const v = values[block]?.[action]?.value;
  return typeof v === 'string' ? v : undefined;
}

/** The text box's block id carries a version (so a saved reply can replace its value). */
function replyText(values: Values): { block: string; text: string } | undefined {
  const block = Object.keys(values).find((b) => b === INPUT.replyText.block || b.startsWith(`${INPUT.replyText.block}:`));
  if (!block) return undefined;
  return { block, text: (values[block]?.[INPUT.replyText.action]?.value ?? '').trim() };
}

export function registerReplySubmit(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.reply, async ({ ack, body, view, client }) => {
    const meta = decodeMeta(view.private_metadata);
    const values = view.state.values;
    const reply = replyText(values);
    const mode = values[INPUT.replyMode.block]?.[INPUT.replyMode.action]?.selected_option?.value === 'dm' ? 'dm' : 'public';
    const link = textInput(values, INPUT.replyLink.block, INPUT.replyLink.action)?.trim() || null;
    const saveAs = textInput(values, INPUT.replySave.block, INPUT.replySave.action)?.trim() || null;
    const errors: Record<string, string> = {};
    if (!reply || reply.text.length === 0) errors[reply?.block ?? INPUT.replyText.block] = 'Type the reply first.';
    if (link && !/^https?:\/\/\S+$/i.test(link)) errors[INPUT.replyLink.block] = 'That does not look like a link (https://…).';
    const length = reply ? xLength(reply.text) : undefined;
    if (meta && reply && length && length.over > 0 && mode === 'public') {
      const m = await getMention(deps.db, meta.mentionId);
      if (m && deps.replies.senderFor(m).destination === 'x') {
        errors[reply.block] =
          `A public reply on X can be at most ${X_POST_LIMIT} characters as X counts them (a link counts 23, CJK characters and emoji 2): ` +
          `this one is ${length.weighted}, ${length.over} over. Shorten it or send a direct message.`;
      }
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    // Someone replied since this modal opened: show what they sent and let the person decide,
    // before the modal closes. The authoritative check runs again, under a lock, when sending.
    if (meta && reply && meta.seenReplyId !== undefined) {
      const other = await deps.replies.conflictSince(meta.mentionId, meta.seenReplyId);
      const m = other && (await getMention(deps.db, meta.mentionId));
      if (other && m) {
        const view = await buildReplyModal(deps, m, { ...meta, seenReplyId: other.replyId }, {
          initialText: reply.text,
          initialMode: mode,
          textVersion: other.replyId,
          otherReply: other,
        });
        await ack({ response_action: 'update', view });
        return;
      }
    }
    await ack();
    if (!meta || !reply) return;
    const user = body.user.id;
    await runForUser({ client, channel: meta.channel, user, logger: deps.logger, ids: { mentionId: meta.mentionId } }, async () => {
      if (!(await teamOnly(deps, { client, channel: meta.channel, user }, 'reply'))) return;
      const result = await deps.replies.send(meta.mentionId, user, {
        text: reply.text,
        mode,
        link,
        saveAs,
        // A double click or a retried request carries the same view id and hash: posted once.
        idempotencyKey: `slack-view:${view.id}:${view.hash}`,
        seenReplyId: meta.seenReplyId ?? null,
      });
      if (result.ok) {
        const told = postedNote(result.record, result.url);
        if (told) await tellUser(client, meta.channel, user, told, deps.logger);
        return;
      }
      // The first submission of the same view is still sending; it answers the person.
      if (result.inFlight) return;
      const text = result.conflict
        ? conflictNote(result.conflict)
        : `:warning: Your reply was not sent: ${escapeAndTruncate(result.reason, 500)}. The mention is still waiting for an answer; your text is kept.`;
      await tellUser(client, meta.channel, user, text, deps.logger, [
        { type: 'section', text: { type: 'mrkdwn', text } },
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: ACTION.retryReply, text: { type: 'plain_text', text: result.conflict ? 'Edit and send anyway' : 'Edit and retry' }, value: String(result.replyId) }],
        },
      ]);
    });
  });
}

/** What the person hears when their reply went out but the usual record (the card's thread) may not show it. */
function postedNote(record: PostedRecord | 'repeat', url: string | null): string | undefined {
  const where = url ? `: ${safeLink(url, 'view it')}` : '';
  switch (record) {
    case 'recorded':
    case 'repeat':
      return undefined;
    case 'after_retry':
      return `:white_check_mark: Your reply was posted${where}. Storing it took a second try; it is recorded.`;
    case 'closed':
      return `:white_check_mark: Your reply was posted${where}. The mention had been closed meanwhile: the reply is recorded in its thread and it stays closed.`;
    case 'unrecorded':
      return `:white_check_mark: Your reply was posted${where}. earshot could not record it on the card (the database did not answer); do not send it again.`;
  }
}

function conflictNote(c: ReplyConflict): string {
  const link = c.url ? ` (${safeLink(c.url, 'view')})` : '';
  return `:warning: <@${c.userId}> ${c.sending ? 'was sending a reply at the same moment' : 'replied first'}${link}:\n${quote(escapeAndTruncate(c.text, 1500))}\nYours was not sent; your text is kept. Edit it to send it anyway.`;
}
