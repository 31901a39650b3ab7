import { escapeAndTruncate, escapeMrkdwn, quote, safeLink, slackDate } from '../../domain/mrkdwn.js';
import { NETWORK_NAMES } from '../../domain/sources.js';
import type { ThreadLine } from '../../domain/thread-lines.js';
import { CATEGORY_LABEL } from './escalation.js';

/**
 * One short line in a card's thread: who did what, when. `what` must already be escaped where it
 * holds outside text.
 */
export function threadLine(emoji: string, what: string, at: Date): string {
  return `${emoji} ${what} · ${slackDate(at)}`;
}

/** The networks a brand's own post can be read from, by source name (any other shows as its name). */
const NETWORK: Record<string, string> = { x: 'X', twitter: 'X', facebook: 'Facebook', instagram: 'Instagram' };

/** The text of a queued thread line, rendered when it is sent: outside text is escaped once, here. */
export function threadLineText(line: ThreadLine): string {
  const at = new Date(line.at);
  const quoted = (text: string) => quote(escapeAndTruncate(text || ' ', 2500));
  switch (line.kind) {
    case 'claimed':
      return threadLine(':raising_hand:', `<@${line.actor}> claimed this`, at);
    case 'released':
      return threadLine(':leftwards_arrow_with_hook:', `<@${line.actor}> released this${line.backInPool ? '; it is back in the pool' : ''}`, at);
    case 'reassigned':
      return threadLine(':busts_in_silhouette:', `<@${line.actor}> handed this to <@${line.to}>`, at);
    case 'escalated': {
      const category = CATEGORY_LABEL[line.category] ?? escapeAndTruncate(line.category, 50);
      return threadLine(':arrow_double_up:', `<@${line.actor}> escalated this (${escapeAndTruncate(line.severity, 20)} severity, ${category}): ${escapeAndTruncate(line.reason, 500)}`, at);
    }
    case 'resolved':
      return threadLine(':white_check_mark:', `<@${line.actor}> resolved this`, at);
    case 'closed_no_reply':
      return threadLine(
        ':no_entry_sign:',
        `<@${line.actor}> closed this as ${line.closeKind === 'spam' ? 'spam' : 'no reply needed'}${line.reason ? `: ${escapeAndTruncate(line.reason, 500)}` : ''}`,
        at,
      );
    case 'replied': {
      const how =
        line.destination === 'elsewhere'
          ? `${line.mode === 'dm' ? 'privately' : 'publicly'}, sent outside earshot`
          : `${line.mode === 'dm' ? 'by direct message' : 'publicly'} on ${NETWORK_NAMES[line.destination]}`;
      return threadLine(':speech_balloon:', `<@${line.actor}> replied ${how}${line.url ? ` (${safeLink(line.url, 'view')})` : ''}:\n${quote(escapeAndTruncate(line.text, 2500))}`, at);
    }
    case 'replied_after_close':
      return threadLine(':speech_balloon:', `<@${line.actor}> replied after it was closed${line.url ? ` (${safeLink(line.url, 'view')})` : ''}; it stays closed:\n${quote(escapeAndTruncate(line.text, 2500))}`, at);
    case 'customer_post': {
      const { name, handle } = line.author;
      const who = `${name ? `*${escapeAndTruncate(name, 100)}* ` : ''}(@${escapeAndTruncate(handle, 100)})`;
      return threadLine(':speech_balloon:', `${who} wrote again (${safeLink(line.url, 'open post')}):\n${quoted(line.text)}`, at);
    }
    case 'brand_reply': {
      const network = escapeMrkdwn(NETWORK[line.source] ?? line.source);
      return threadLine(':outbox_tray:', `The brand replied on ${network}, outside earshot (${safeLink(line.url, 'view')}):\n${quoted(line.text)}`, at);
    }
  }
}

/** A quiet case earshot resolved itself. */
export function idleResolvedLine(days: number, at: Date): string {
  return threadLine(':zzz:', `Resolved by earshot: the customer has not written for ${days} day${days === 1 ? '' : 's'} since the brand's answer`, at);
}
