/**
 * Reads the brand's notifications (mentions, replies, quotes) and its own feed (replies the brand
 * posted in the app, outside earshot) from the stored cursors, page by page until caught up. Each
 * page's posts are stored before its cursor moves. Runs under the leader lock, one replica a tick.
 */
import { readState, writeState } from '../../db/app-state.js';
import type { ReaderDeps } from '../polled.js';
import type { BlueskyClient } from './client.js';
import { advance, freshCursor, isNew, type ListCursor } from './cursor.js';
import { asPostRecord, toMention, type BskyPostLike } from './normalise.js';

export const BSKY_CURSOR = { notifications: 'bluesky:cursor:notifications', feed: 'bluesky:cursor:feed' } as const;
export const LISTENED_REASONS = ['mention', 'reply', 'quote'] as const;

export interface BlueskyPollerDeps extends ReaderDeps {
  client: BlueskyClient;
}

export interface ListOutcome {
  list: keyof typeof BSKY_CURSOR;
  pages: number;
  read: number;
  ingested: number;
  caughtUp: boolean;
  error?: string;
}

interface Page {
  items: { post: BskyPostLike; reason?: string }[];
  cursor?: string;
}

const MAX_PAGES_PER_POLL = 20;

export class BlueskyPoller {
  constructor(private readonly d: BlueskyPollerDeps) {}

  async pollOnce(): Promise<ListOutcome[]> {
    const out: ListOutcome[] = [];
    for (const list of ['notifications', 'feed'] as const) {
      if (this.d.isStopped()) break;
      out.push(await this.drain(list));
    }
    return out;
  }

  private fetch(list: keyof typeof BSKY_CURSOR, token: string | undefined) {
    const limit = Math.min(100, Math.max(1, this.d.pageSize ?? 50));
    const { client } = this.d;
    if (list === 'notifications') {
      return client.call<Page>('read', async (a) => {
        const r = await a.app.bsky.notification.listNotifications({ limit, cursor: token, reasons: [...LISTENED_REASONS] });
        const items = r.data.notifications.filter((n) => (LISTENED_REASONS as readonly string[]).includes(n.reason)).map((n) => ({ post: n, reason: n.reason }));
        return { data: { items, cursor: r.data.cursor }, headers: r.headers };
      });
    }
    return client.call<Page>('read', async (a) => {
      const did = client.did ?? '';
      const r = await a.app.bsky.feed.getAuthorFeed({ actor: did, limit, cursor: token, filter: 'posts_with_replies' });
      // Reposts are someone else's post in the brand's feed, not the brand's words.
      const items = r.data.feed.filter((f) => !f.reason && f.post.author.did === did).map((f) => ({ post: f.post }));
      return { data: { items, cursor: r.data.cursor }, headers: r.headers };
    });
  }

  /** Follower counts in one call per page (getProfiles takes 25 actors); a failure just leaves them out. */
  private async followers(posts: BskyPostLike[]): Promise<Map<string, number>> {
    const dids = [...new Set(posts.map((p) => p.author.did))].slice(0, 25);
    if (dids.length === 0) return new Map();
    const r = await this.d.client.call<{ did: string; followersCount?: number }[]>('read', async (a) => {
      const res = await a.app.bsky.actor.getProfiles({ actors: dids });
      return { data: res.data.profiles, headers: res.headers };
    });
    return new Map(r.ok ? r.data.filter((p) => typeof p.followersCount === 'number').map((p) => [p.did, p.followersCount!]) : []);
  }

  private async drain(list: keyof typeof BSKY_CURSOR): Promise<ListOutcome> {
    const { db, clock, logger, health } = this.d;
    const key = BSKY_CURSOR[list];
    const out: ListOutcome = { list, pages: 0, read: 0, ingested: 0, caughtUp: false };
    let cursor = (await readState<ListCursor>(db, key)) ?? freshCursor(clock.now(), this.d.backfillHours ?? 24);
    for (let i = 0; i < MAX_PAGES_PER_POLL; i++) {
      if (this.d.isStopped()) return out;
      const r = await this.fetch(list, cursor.paging?.token);
      if (this.d.isAbandoned()) return out;
      if (!r.ok) {
        out.error = r.reason;
        if (r.kind === 'failed') {
          logger.warn({ list, status: r.status, reason: r.reason }, 'Bluesky: read failed; will retry');
          if (r.status === 401 || r.status === 403) health.problem('read', `Bluesky refused reading ${list} (${r.reason}); check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD`);
        }
        return out;
      }
      out.pages++;
      health.read(clock.now());
      const items = r.data.items.map((x) => ({ ...x, id: x.post.uri, at: x.post.indexedAt }));
      out.read += items.length;
      const fresh = items.filter((x) => isNew(x, cursor.since));
      const kept = list === 'feed' ? fresh.filter((x) => asPostRecord(x.post.record).reply) : fresh;
      if (kept.length > 0) {
        const counts = list === 'notifications' ? await this.followers(kept.map((x) => x.post)) : new Map<string, number>();
        if (this.d.isAbandoned()) return out;
        const mentions = kept.map((x) => toMention(x.post, { direction: list === 'feed' ? 'outbound' : 'inbound', followers: counts.get(x.post.author.did) ?? null, reason: x.reason }));
        out.ingested += (await this.d.ingest(mentions)).accepted;
      }
      const next = advance(cursor, items, r.data.cursor, fresh.length < items.length);
      await writeState(db, key, (cursor = next.cursor));
      if (next.done) {
        out.caughtUp = true;
        break;
      }
    }
    return out;
  }
}
