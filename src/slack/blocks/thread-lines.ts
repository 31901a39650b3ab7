import { slackDate } from '../../domain/mrkdwn.js';

/**
 * One short line in a card's thread: who did what, when. `what` must already be escaped where it
 * holds outside text.
 */
export function threadLine(emoji: string, what: string, at: Date): string {
  return `${emoji} ${what} · ${slackDate(at)}`;
}
