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
  /** External id (same source) of the post this one answers, when it is a reply. */
  inReplyTo?: string | null;
  /** `outbound` marks the brand's own post (made outside earshot); default `inbound`. */
  direction?: 'inbound' | 'outbound';
  /** The original payload, kept so nothing the source said is lost. */
  raw?: unknown;
}
