import type { webApi } from '@slack/bolt';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { homeLists, recentHomeViewers, recordHomeViewer } from '../db/home.js';
import type { MentionRow } from '../db/schema.js';
import type { SlaPolicy } from '../domain/sla.js';
import { startOfDay } from '../domain/stats-window.js';
import type { Logger } from '../logger.js';
import { HOME_MINE_MAX, HOME_UNCLAIMED_MAX, homeView, outsiderHomeView, type HomeData } from './blocks/home.js';
import { medianFirstResponseSince, openNowFigures } from '../db/stats.js';

export interface HomeDeps {
  db: Db;
  clock: Clock;
  client: webApi.WebClient;
  slaPolicy: SlaPolicy;
  triageChannel: string;
  timeZone: string;
  logger: Logger;
  /** Quiet time after a change before the views are refreshed (default 2 s): a burst is one refresh. */
  debounceMs?: number;
  /** Whose views are kept fresh: people who opened the tab within this time (default 8 h, a shift). */
  viewerTtlMs?: number;
  /** At most this many views refreshed per change (default 50, most recent viewers first). */
  maxViewers?: number;
  /**
   * Who sees the queue: asked before every publish, so someone who left the team stops seeing
   * customers' posts at the next refresh. Without it everyone does (tests of the view itself).
   */
  audience?: {
    mayView(userId: string): Promise<boolean>;
    /** What an outsider's tab says: who the team is and who to ask. */
    outsider(): { team: string; whoToAsk: string };
  };
}

/** views.publish is a tier-4 method (about 100 calls a minute): refreshes are paced below that. */
const PUBLISH_SPACING_MS = 700;

/**
 * The App Home tab. Published fresh when someone opens it; after a mention changes state, the
 * views of everyone who opened the tab lately are refreshed once the burst of changes is over.
 * Viewers are kept in the database, so a change on any replica refreshes every viewer.
 */
export class Home {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private nextAllowedAt = 0;
  private stopped = false;

  constructor(private readonly deps: HomeDeps) {}

  /** app_home_opened: remember the viewer and publish their view now. */
  async opened(userId: string): Promise<void> {
    const now = this.deps.clock.now();
    await recordHomeViewer(this.deps.db, userId, now);
    await this.publish(userId);
  }

  async publish(userId: string): Promise<void> {
    const { audience } = this.deps;
    const view = audience && !(await audience.mayView(userId)) ? outsiderHomeView(audience.outsider()) : homeView(await this.load(userId));
    await this.deps.client.views.publish({ user_id: userId, view });
  }

  /** A mention changed state (or arrived): refresh the viewers' tabs after the debounce. */
  changed(_mention?: MentionRow): void {
    if (this.stopped || this.timer) return;
    const wait = Math.max(this.deps.debounceMs ?? 2_000, this.nextAllowedAt - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.refreshViewers()).catch((err: unknown) => {
        this.deps.logger.warn({ err: (err as Error).message }, 'could not refresh App Home views');
      });
    }, wait);
  }

  /** Stops refreshing; waits for a refresh in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async load(userId: string): Promise<HomeData> {
    const { db, clock, slaPolicy, triageChannel, timeZone } = this.deps;
    const now = clock.now();
    const [lists, open, medianToday] = await Promise.all([
      homeLists(db, { userId, mineMax: HOME_MINE_MAX, unclaimedMax: HOME_UNCLAIMED_MAX }),
      openNowFigures(db, now),
      medianFirstResponseSince(db, startOfDay(now, timeZone), now),
    ]);
    return { userId, now, slaPolicy, triageChannel, ...lists, team: { ...open, medianTodaySec: medianToday } };
  }

  private async refreshViewers(): Promise<void> {
    if (this.stopped) return;
    const { db, clock, logger } = this.deps;
    const since = new Date(clock.now().getTime() - (this.deps.viewerTtlMs ?? 8 * 3_600_000));
    const viewers = await recentHomeViewers(db, since, this.deps.maxViewers ?? 50);
    for (const user of viewers) {
      if (this.stopped) return;
      try {
        await this.publish(user);
      } catch (err) {
        logger.warn({ user, err: (err as Error).message }, 'could not refresh an App Home view');
      }
    }
    this.nextAllowedAt = Date.now() + viewers.length * PUBLISH_SPACING_MS;
  }
}
