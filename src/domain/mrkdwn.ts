/**
 * Slack mrkdwn treats &, < and > as control characters: `<!channel>` pings a channel, `<@U1>` a
 * person, `<https://x|label>` disguises a link. Every piece of text that came from outside
 * (post text, author names, reasons typed in modals) goes through `escapeMrkdwn` before it is
 * placed in mrkdwn, including the top-level `text` fallback of a message.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to at most `max` characters (code points), ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Escapes, then truncates without cutting an entity such as `&amp;` in half. */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let cut = truncate(escaped, max).slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return cut + '…';
}

/** Block quote for mrkdwn: each line prefixed with `>` (the entity is added after escaping). */
export function quote(escapedText: string): string {
  return escapedText
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');
}

/** A URL placed inside `<url|label>` must not carry `|` or `>`; anything that is not http(s) is dropped. */
export function safeLink(url: string | null | undefined, label: string): string {
  if (!url) return escapeMrkdwn(label);
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return escapeMrkdwn(label);
    const href = u.toString().replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
    return `<${href}|${escapeMrkdwn(label)}>`;
  } catch {
    return escapeMrkdwn(label);
  }
}

/** Compact follower counts: 950, 12.4k, 1.2M. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** "just now", "2 min ago", "3 h ago". */
export function ago(from: Date, now: Date): string {
  const min = Math.floor((now.getTime() - from.getTime()) / 60_000);
  if (min < 1) return 'just now';
  if (min < 120) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is UTC. */
export function slackDate(at: Date, format = '{time}'): string {
  const unix = Math.floor(at.getTime() / 1000);
  const fallback = at.toISOString().slice(11, 16) + ' UTC';
  return `<!date^${unix}^${format}|${fallback}>`;
}

// Control characters, bidi embeddings/overrides/isolates and marks, zero-width characters and the
// BOM: invisible in Slack, they can make a name or handle read as something else ("@acme‮gnp").
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

/** A person's display name as shown in Slack: no invisible or direction-changing characters. */
export function displayName(name: string): string {
  return name.replace(INVISIBLE, '').trim();
}

/**
 * A handle as shown in Slack: visible letters, digits, punctuation and symbols only. No spaces (a
 * handle cannot read as "acme replied"), no combining marks, no mrkdwn emphasis (`*`, `~`, backtick),
 * so a reminder line cannot be spoofed visually. `<`, `>` and `&` stay: escaping makes them inert.
 */
export function displayHandle(handle: string): string {
  const kept = handle.replace(INVISIBLE, '').replace(/[^\p{L}\p{N}\p{P}\p{S}]|[*~`]/gu, '');
  return kept.length > 0 ? kept : 'unknown';
}
