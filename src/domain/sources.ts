/**
 * The networks earshot reads and answers on by itself. Their posts come only from earshot's own
 * readers, never through the webhook, so a forged or mistaken webhook post cannot pose as one
 * (and collide with the ids the reader stores).
 */
export const NATIVE_SOURCES = ['x', 'bluesky', 'mastodon'] as const;

export type NativeSource = (typeof NATIVE_SOURCES)[number];

export function isNativeSource(source: string): source is NativeSource {
  return (NATIVE_SOURCES as readonly string[]).includes(source.toLowerCase());
}

/** Where a reply typed in Slack went: posted on a native network, or recorded as sent elsewhere. */
export type ReplyDestination = NativeSource | 'elsewhere';

/** How the networks are named to people. */
export const NETWORK_NAMES: Record<NativeSource, string> = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon' };

/**
 * The metric label for a source: webhook callers choose `source` freely, and every distinct value
 * would be a new time series. Native sources and the operator's INGEST_SOURCES keep their name.
 */
export function sourceLabel(source: string, listed: readonly string[]): string {
  const s = source.toLowerCase();
  return isNativeSource(s) || listed.includes(s) ? s : 'other';
}
