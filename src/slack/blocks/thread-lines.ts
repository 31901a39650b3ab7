import { escapeAndTruncate, escapeMrkdwn, quote, safeLink, slackDate } from '../../domain/mrkdwn.js';

/**
 * One short line in a card's thread: who did what, when. `what` must already be escaped where it
 * holds outside text.
 */
export function threadLine(emoji: string, what: string, at: Date): string {
  return `${emoji} ${what} · ${slackDate(at)}`;
}

interface PostForLine {
  source: string;
  text: string;
  url?: string | null;
  postedAt: Date;
  author: { handle: string; name?: string | null };
}

const NETWORK: Record<string, string> = { x: 'X', twitter: 'X', facebook: 'Facebook', instagram: 'Instagram' };

/** The customer wrote again: who, when, what (escaped once, here), and a link to the post. */
export function customerPostLine(p: PostForLine): string {
  const who = `${p.author.name ? `*${escapeAndTruncate(p.author.name, 100)}* ` : ''}(@${escapeAndTruncate(p.author.handle, 100)})`;
  return threadLine(':speech_balloon:', `${who} wrote again (${safeLink(p.url, 'open post')}):\n${quote(escapeAndTruncate(p.text || ' ', 2500))}`, p.postedAt);
}

/** The brand replied on the network directly: recorded as its reply, made outside earshot. */
export function brandReplyLine(p: PostForLine): string {
  const network = escapeMrkdwn(NETWORK[p.source] ?? p.source);
  return threadLine(':outbox_tray:', `The brand replied on ${network}, outside earshot (${safeLink(p.url, 'view')}):\n${quote(escapeAndTruncate(p.text || ' ', 2500))}`, p.postedAt);
}

/** A quiet case earshot resolved itself. */
export function idleResolvedLine(days: number, at: Date): string {
  return threadLine(':zzz:', `Resolved by earshot: the customer has not written for ${days} day${days === 1 ? '' : 's'} since the brand's answer`, at);
}
