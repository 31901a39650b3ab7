/**
 * Bluesky notifications and feed posts → the one mention shape. A post's id is its at:// URI;
 * threading follows `record.reply` (parent: the post it answers; root: the thread).
 */
import type { IncomingMention } from '../../domain/mention.js';

export const BLUESKY_SOURCE = 'bluesky';

export interface StrongRef {
  uri: string;
  cid: string;
}

export interface PostRecord {
  text?: string;
  createdAt?: string;
  facets?: Facet[];
  reply?: { root: StrongRef; parent: StrongRef };
  langs?: string[];
}

interface Facet {
  index: { byteStart: number; byteEnd: number };
  features: { $type?: string; uri?: string }[];
}

export interface BskyAuthor {
  did: string;
  handle: string;
  displayName?: string;
}

/** What listNotifications and getAuthorFeed give for a post. */
export interface BskyPostLike {
  uri: string;
  cid: string;
  author: BskyAuthor;
  record: unknown;
  indexedAt: string;
}

/** https://bsky.app/profile/<handle>/post/<rkey> */
export function postUrl(uri: string, handle?: string): string {
  const m = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/?#]+)$/.exec(uri);
  if (!m) return `https://bsky.app/search?q=${encodeURIComponent(uri)}`;
  return `https://bsky.app/profile/${handle ?? m[1]}/post/${m[2]}`;
}

/**
 * The post's text with shortened link labels replaced by the link itself: Bluesky shows
 * "example.com/orde…" and keeps the full URL in a link facet (byte offsets into UTF-8).
 */
export function textWithLinks(text: string, facets: Facet[] | undefined): string {
  if (!facets?.length) return text;
  const bytes = Buffer.from(text, 'utf8');
  const links = facets
    .map((f) => ({ ...f.index, uri: f.features.find((x) => x.$type === 'app.bsky.richtext.facet#link')?.uri }))
    .filter((f): f is { byteStart: number; byteEnd: number; uri: string } => typeof f.uri === 'string' && f.byteStart >= 0 && f.byteEnd <= bytes.length && f.byteStart < f.byteEnd)
    .sort((a, b) => a.byteStart - b.byteStart);
  let out = '';
  let at = 0;
  for (const l of links) {
    if (l.byteStart < at) continue;
    const label = bytes.subarray(l.byteStart, l.byteEnd).toString('utf8');
    out += bytes.subarray(at, l.byteStart).toString('utf8') + (l.uri.includes(label.replace(/…$|\.\.\.$/, '')) ? l.uri : label);
    at = l.byteEnd;
  }
  return out + bytes.subarray(at).toString('utf8');
}

export function asPostRecord(record: unknown): PostRecord {
  return record && typeof record === 'object' ? (record as PostRecord) : {};
}

export function toMention(p: BskyPostLike, o: { direction?: 'inbound' | 'outbound'; followers?: number | null; reason?: string } = {}): IncomingMention {
  const r = asPostRecord(p.record);
  const created = r.createdAt ? new Date(r.createdAt) : new Date(p.indexedAt);
  const postedAt = Number.isNaN(created.getTime()) ? new Date(p.indexedAt) : created;
  return {
    source: BLUESKY_SOURCE,
    externalId: p.uri,
    url: postUrl(p.uri, p.author.handle),
    text: textWithLinks(r.text ?? '', r.facets),
    author: { id: p.author.did, handle: p.author.handle, name: p.author.displayName ?? null, followers: o.followers ?? null },
    postedAt: Number.isNaN(postedAt.getTime()) ? new Date() : postedAt,
    lang: r.langs?.[0] ?? null,
    conversationId: r.reply?.root.uri ?? p.uri,
    inReplyTo: r.reply?.parent.uri ?? null,
    direction: o.direction ?? 'inbound',
    // cid and the thread's root are what a reply to this post must name.
    raw: { uri: p.uri, cid: p.cid, reason: o.reason ?? null, record: p.record, author: p.author, indexedAt: p.indexedAt },
  };
}

/** Replies need both refs; the root is the parent's own root, or the parent when it starts the thread. */
export function replyRefs(raw: unknown): { root: StrongRef; parent: StrongRef } | undefined {
  const r = raw as { uri?: unknown; cid?: unknown; record?: unknown } | null;
  if (!r || typeof r.uri !== 'string' || typeof r.cid !== 'string') return undefined;
  const parent = { uri: r.uri, cid: r.cid };
  const root = asPostRecord(r.record).reply?.root;
  return { root: root && typeof root.uri === 'string' && typeof root.cid === 'string' ? { uri: root.uri, cid: root.cid } : parent, parent };
}

/** Bluesky counts post length in graphemes. */
export function graphemes(text: string): number {
  let n = 0;
  for (const _ of new Intl.Segmenter().segment(text)) n++;
  return n;
}
