/** The one shape every source (X poller, X stream, webhook) produces. */
export interface IncomingMention {
  source: string;
  externalId: string;
  url?: string | null;
  text: string;
  author: { id?: string | null; handle: string; name?: string | null; followers?: number | null };
  postedAt: Date;
  lang?: string | null;
  conversationId?: string | null;
  /** The original payload, kept so nothing the source said is lost. */
  raw?: unknown;
}
