/**
 * Sources earshot reads itself, with their own credentials and reply path. A webhook may not post
 * mentions under these names: a reply to such a mention would go out as the brand on that network.
 */
export const NATIVE_SOURCES: readonly string[] = ['x'];

export function isNativeSource(source: string): boolean {
  return NATIVE_SOURCES.includes(source.toLowerCase());
}
