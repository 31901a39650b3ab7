/**
 * Mastodon statuses → the one mention shape. The id is the status id on the brand's instance
 * (replies go through the same instance); threading follows in_reply_to_id. Content is HTML.
 */
import type { IncomingMention } from '../../domain/mention.js';

export const MASTODON_SOURCE = 'mastodon';

export interface MastoAccount {
  id: string;
  username: string;
  acct: string;
  display_name?: string;
  followers_count?: number;
}

export interface MastoStatus {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  language?: string | null;
  url?: string | null;
  uri: string;
  content: string;
  account: MastoAccount;
  reblog?: unknown;
}

export interface MastoNotification {
  id: string;
  type: string;
  created_at: string;
  account: MastoAccount;
  status?: MastoStatus | null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Status HTML → the text as the author wrote it (paragraphs and line breaks kept). */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    })
    .trim();
}

export function toMention(s: MastoStatus, direction: 'inbound' | 'outbound' = 'inbound'): IncomingMention {
  const at = new Date(s.created_at);
  return {
    source: MASTODON_SOURCE,
    externalId: s.id,
    url: s.url ?? s.uri,
    text: htmlToText(s.content),
    author: { id: s.account.id, handle: s.account.acct, name: s.account.display_name || null, followers: typeof s.account.followers_count === 'number' ? s.account.followers_count : null },
    postedAt: Number.isNaN(at.getTime()) ? new Date() : at,
    lang: s.language ?? null,
    conversationId: null,
    inReplyTo: s.in_reply_to_id ?? null,
    direction,
    raw: { status: s },
  };
}

/** Mastodon's count: every link as `urlLength` characters, a remote mention by its local part. */
export function countCharacters(text: string, urlLength = 23): number {
  const shortened = text.replace(/https?:\/\/\S+/g, 'x'.repeat(urlLength)).replace(/(^|\s)@(\w+)@[\w.-]+\w/g, '$1@$2');
  return [...shortened].length;
}

/** Numeric ids compared as numbers (they outgrow a JS number); others as strings. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}
