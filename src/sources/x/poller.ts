/**
 * Reads the brand's mentions timeline (and, when X_SEARCH_QUERY is set, recent search) and the
 * brand's own timeline (its replies, made through earshot or directly on X) from the stored
 * cursors, page by page until caught up: each page's posts are stored (one transaction) before
 * its cursor moves. Runs under the leader lock, one replica per tick.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ApiV2Includes, TweetV2, UserV2Result } from 'twitter-api-v2';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { IngestResult } from '../../services/ingest.js';
import type { IncomingMention } from '../../domain/mention.js';
import type { XApi, XReadEndpoint } from './api.js';
import { advanceCursor, freshCursor, nextQuery, raiseCursor, type PageMeta, type XCursor } from './cursor.js';
import type { XHealth } from './health.js';
import { createFilters, normalisePosts, X_READ_FIELDS, type XFilters } from './normalise.js';
import { readState, writeState } from '../../db/app-state.js';
import { normaliseOwnPosts } from './own-posts.js';
import { X_STATE_KEY } from './state.js';

export interface XPage {
  data?: TweetV2[];
  includes?: ApiV2Includes;
  meta?: PageMeta;
  errors?: { detail?: string; title?: string; message?: string }[];
}

export interface Brand {
  id: string;
  username: string;
}

export interface XReadOptions {
  brandUsername: string;
  searchQuery?: string;
  includeRetweets: boolean;
  mutedHandles: readonly string[];
  mutedWords: readonly string[];
  backfillHours: number;
}

export interface XPollerDeps extends XReadOptions {
  db: Db;
  api: XApi;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  health: XHealth;
  ingest(mentions: IncomingMention[]): Promise<IngestResult>;
  /** max_results per page (mentions and own 5–100, search 10–100). Default 100: fewest requests. */
  pageSize?: number;
  /** Shutting down: no new request starts. */
  isStopped(): boolean;
  /** Shut down without waiting: a page that arrives now is dropped unstored (its cursor has not moved, so it is read again next run). */
  isAbandoned(): boolean;
}

/** `own`: the brand's own posts (`GET /2/users/:id/tweets`), billed as owned reads. */
export type TimelineKind = 'mentions' | 'search' | 'own';

const ENDPOINT: Record<TimelineKind, XReadEndpoint> = { mentions: 'mentions', search: 'search', own: 'own_posts' };

export interface TimelineOutcome {
  kind: TimelineKind;
  pages: number;
  read: number;
  ingested: number;
  skipped: number;
  caughtUp: boolean;
  /** Set when the timeline could not be read to the end: not before this. */
  retryAt?: Date;
  error?: string;
}

export interface PollOutcome {
  brand?: Brand;
  /** The customers' timelines: mentions (and search). */
  timelines: TimelineOutcome[];
  /** The brand's own timeline, when it was read. */
  own?: TimelineOutcome;
  stopped: boolean;
}

const MAX_PAGES_PER_POLL = 20;
const SEARCH_QUERY_MAX = 512;
const SEVEN_DAYS_MS = 7 * 24 * 3_600_000;

/**
 * Recent search finds mentions without an @. Posts that @mention the brand come from the
 * mentions timeline, so the search leaves them out (and the brand's own posts and retweets):
 * X bills each post read, including one read twice through two endpoints.
 */
export function effectiveSearchQuery(query: string, brandUsername: string, includeRetweets: boolean): string {
  const full = `(${query}) -@${brandUsername} -from:${brandUsername}${includeRetweets ? '' : ' -is:retweet'}`;
  return full.length <= SEARCH_QUERY_MAX ? full : query;
}

export function mentionsRule(brandUsername: string, includeRetweets: boolean): string {
  return `@${brandUsername} -from:${brandUsername}${includeRetweets ? '' : ' -is:retweet'}`;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/** A page X served that could not be stored (the database failed): kept to store, not to read again. */
interface UnstoredPage {
  cursor: XCursor;
  bounds: Record<string, string>;
  page: XPage;
}

export class XPoller {
  private brandCache?: Brand;
  private filters?: XFilters;
  /** Per cursor key. X bills every read, so a page read once is stored from memory after a database failure. */
  private readonly unstored = new Map<string, UnstoredPage>();

  constructor(private readonly deps: XPollerDeps) {}

  /** The brand's user id, looked up once and kept in the database. */
  async brand(): Promise<Brand | undefined> {
    const { db, api, brandUsername, logger, health } = this.deps;
    if (this.brandCache) return this.brandCache;
    const stored = await readState<Brand>(db, X_STATE_KEY.brand);
    if (stored && stored.username.toLowerCase() === brandUsername.toLowerCase()) return this.remember(stored);
    const r = await api.get<UserV2Result>('user_lookup', 'users/by/username/:username', { 'user.fields': ['username'] }, { username: brandUsername });
    if (this.deps.isAbandoned()) return undefined;
    if (!r.ok) {
      if (r.kind === 'failed') logger.warn({ reason: r.error.reason }, `X: could not look up @${brandUsername}`);
      return undefined;
    }
    const user = r.data.data as UserV2Result['data'] | undefined;
    if (!user) {
      const detail = r.data.errors?.[0]?.detail ?? 'not found';
      health.problem('setup', `X has no user @${brandUsername} (X_BRAND_USERNAME): ${detail}`);
      return undefined;
    }
    health.resolved('setup');
    const brand = { id: user.id, username: user.username };
    await writeState(db, X_STATE_KEY.brand, brand);
    logger.info({ brandId: brand.id }, `X: brand @${brand.username} resolved`);
    return this.remember(brand);
  }

  private remember(brand: Brand): Brand {
    this.brandCache = brand;
    this.filters = createFilters({ ...this.deps, brandId: brand.id, brandUsername: brand.username });
    return brand;
  }

  filtersFor(): XFilters | undefined {
    return this.filters;
  }

  searchQuery(brand: Brand): string | undefined {
    const q = this.deps.searchQuery;
    return q ? effectiveSearchQuery(q, brand.username, this.deps.includeRetweets) : undefined;
  }

  private cursorKeys(brand: Brand): { kind: TimelineKind; key: string }[] {
    const keys: { kind: TimelineKind; key: string }[] = [{ kind: 'mentions', key: X_STATE_KEY.mentionsCursor(brand.id) }];
    const q = this.searchQuery(brand);
    if (q) keys.push({ kind: 'search', key: X_STATE_KEY.searchCursor(hash(q)) });
    return keys;
  }

  /** Reads every timeline (or only the brand's own: `which` = 'own') until caught up (or until X says wait). */
  async pollOnce(which: 'all' | 'own' = 'all'): Promise<PollOutcome> {
    const brand = await this.brand();
    if (!brand) return { timelines: [], stopped: this.deps.isStopped() };
    const timelines: TimelineOutcome[] = [];
    if (which === 'all') {
      for (const { kind, key } of this.cursorKeys(brand)) {
        if (this.deps.isStopped()) break;
        timelines.push(await this.drain(kind, key, brand));
      }
    }
    const own = this.deps.isStopped() ? undefined : await this.drain('own', X_STATE_KEY.ownCursor(brand.id), brand);
    return { brand, timelines, ...(own ? { own } : {}), stopped: this.deps.isStopped() };
  }

  /**
   * Stream mode: posts up to `id` are stored and the stream was continuous, so polls start after
   * it. Not the own timeline: the stream does not carry the brand's posts.
   */
  async raiseCursors(id: string): Promise<void> {
    const brand = await this.brand();
    if (!brand) return;
    for (const { key } of this.cursorKeys(brand)) {
      const c = await readState<XCursor>(this.deps.db, key);
      if (!c) continue;
      const raised = raiseCursor(c, id);
      if (raised !== c) await writeState(this.deps.db, key, raised);
    }
  }

  private async loadCursor(key: string, kind: TimelineKind): Promise<XCursor> {
    const stored = await readState<XCursor>(this.deps.db, key);
    if (stored) return stored;
    const fresh = freshCursor(this.deps.clock.now(), kind === 'search' ? Math.min(this.deps.backfillHours, 24 * 7 - 1) : this.deps.backfillHours);
    await writeState(this.deps.db, key, fresh);
    return fresh;
  }

  private request(kind: TimelineKind, brand: Brand, bounds: Record<string, string>) {
    const { api, pageSize = 100 } = this.deps;
    const max = Math.min(100, Math.max(kind === 'search' ? 10 : 5, pageSize));
    const endpoint = ENDPOINT[kind];
    if (kind === 'mentions') {
      return api.get<XPage>(endpoint, 'users/:id/mentions', { ...X_READ_FIELDS, max_results: max, ...bounds }, { id: brand.id });
    }
    if (kind === 'own') {
      // Retweets never answer a customer: leaving them out saves reads (each one is billed).
      return api.get<XPage>(endpoint, 'users/:id/tweets', { ...X_READ_FIELDS, exclude: 'retweets', max_results: max, ...bounds }, { id: brand.id });
    }
    return api.get<XPage>(endpoint, 'tweets/search/recent', { query: this.searchQuery(brand), ...X_READ_FIELDS, max_results: max, ...bounds });
  }

  private async drain(kind: TimelineKind, key: string, brand: Brand): Promise<TimelineOutcome> {
    const { db, logger, metrics, clock } = this.deps;
    const out: TimelineOutcome = { kind, pages: 0, read: 0, ingested: 0, skipped: 0, caughtUp: false };
    let cursor = await this.loadCursor(key, kind);
    let useUntilId = false;
    for (let i = 0; i < MAX_PAGES_PER_POLL; i++) {
      if (this.deps.isStopped()) return out;
      const bounds = nextQuery(cursor, kind === 'search' ? 'next_token' : 'pagination_token', useUntilId);
      // Only while the stored cursor is still the one the page was read for: another replica
      // that moved it meanwhile has read (and stored) these posts itself.
      const held = this.unstored.get(key);
      const kept = held && isDeepStrictEqual(held.cursor, cursor) && isDeepStrictEqual(held.bounds, bounds) ? held : undefined;
      if (!kept) this.unstored.delete(key);
      const r = kept ? ({ ok: true, data: kept.page } as const) : await this.request(kind, brand, bounds);
      // Shut down without waiting (as good as a crash): drop the page unstored; the cursor has
      // not moved, so it is read again. A graceful stop stores it first (X bills every read).
      if (this.deps.isAbandoned()) return out;
      if (!r.ok) {
        out.retryAt = r.until;
        if (r.kind === 'waiting') return out;
        out.error = r.error.reason;
        if (r.error.code === 'invalid_request') {
          const fixed = this.recover(kind, cursor, bounds, r.error.reason, useUntilId);
          if (fixed) {
            logger.warn({ kind, reason: r.error.reason }, 'X: request refused; retrying with other bounds');
            if (fixed === 'until_id') useUntilId = true;
            else await writeState(db, key, (cursor = fixed));
            continue;
          }
        }
        logger.warn({ kind, status: r.error.status, reason: r.error.reason, retryAt: r.until.toISOString() }, 'X: read failed; will retry');
        return out;
      }
      const page = r.data;
      out.pages++;
      const posts = page.data ?? [];
      if (!kept) {
        out.read += posts.length;
        metrics.xPostsRead.inc({ source: kind }, posts.length);
        this.unstored.set(key, { cursor, bounds, page });
      }
      const { mentions, skipped } = kind === 'own' ? this.ownPosts(page, brand) : normalisePosts(page, this.filters!);
      for (const s of skipped) metrics.xPostsSkipped.inc({ reason: s.reason });
      out.skipped += skipped.length;
      if (mentions.length > 0) out.ingested += (await this.deps.ingest(mentions)).accepted;
      const wasPaging = cursor.paging !== null;
      const next = advanceCursor(cursor, page.meta);
      if (next !== cursor) await writeState(db, key, (cursor = next));
      this.unstored.delete(key);
      // The end of a catch-up of several pages: posts newer than its first page may have come
      // in meanwhile, so ask once more from the new since_id.
      if (!cursor.paging && !wasPaging) {
        out.caughtUp = true;
        break;
      }
    }
    if (out.read > 0) logger.debug({ ...out, at: clock.now().toISOString() }, 'X: timeline read');
    return out;
  }

  private ownPosts(page: XPage, brand: Brand): { mentions: IncomingMention[]; skipped: { reason: string }[] } {
    const { posts, skipped } = normaliseOwnPosts(page, brand);
    return { mentions: posts, skipped };
  }

  /** A 400: a refused page token (page by until_id instead) or a since_id too old for search. */
  private recover(kind: TimelineKind, c: XCursor, bounds: Record<string, string>, reason: string, usedUntilId: boolean): XCursor | 'until_id' | undefined {
    if (c.paging && !usedUntilId && (bounds.pagination_token || bounds.next_token) && c.paging.untilId) return 'until_id';
    if (kind === 'search' && bounds.since_id && /since_id|since id/i.test(reason)) {
      const startTime = new Date(this.deps.clock.now().getTime() - SEVEN_DAYS_MS + 60_000);
      return { sinceId: null, startTime: startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'), paging: null };
    }
    return undefined;
  }
}
