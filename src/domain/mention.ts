/** The one shape every source (X poller, X stream, webhook) produces. */
export interface IncomingMention {
  source: string;
  externalId: string;
  url?: string | null;
  text: string;
  author: { id?: string | null; handle: string; name?: string | null; followers?: number | null };
  postedAt: Date;
  lang?: string | null;
  /** The network's thread id. */
  conversationId?: string | null;
  /** The external id (same source) of the post this one answers. */
  inReplyTo?: string | null;
  /** `inbound` (the default): a customer's post; `outbound`: the brand's own post. */
  direction?: 'inbound' | 'outbound';
  /** The original payload, kept so nothing the source said is lost. */
  raw?: unknown;
}
