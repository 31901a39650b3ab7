/**
 * Sources earshot reads itself, with their own credentials and reply path. A webhook may not post
 * mentions under these names: a reply to such a mention would go out as the brand on that network.
 */
export const NATIVE_SOURCES: readonly string[] = ['x'];

export function isNativeSource(source: string): boolean {
  return NATIVE_SOURCES.includes(source.toLowerCase());
}

/**
 * The metric label for a source: webhook callers choose `source` freely, and every distinct value
 * would be a new time series. Native sources and the operator's INGEST_SOURCES keep their name.
 */
export function sourceLabel(source: string, listed: readonly string[]): string {
  const s = source.toLowerCase();
  return NATIVE_SOURCES.includes(s) || listed.includes(s) ? s : 'other';
}
