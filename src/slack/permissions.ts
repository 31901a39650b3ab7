import type { webApi } from '@slack/bolt';
import { STATE_CHANGE_PACE, takeToken, type Bucket, type PaceRule } from '../domain/pacing.js';
import type { Logger } from '../logger.js';

export interface PermissionsDeps {
  client: webApi.WebClient;
  triageChannel: string;
  respondersGroup?: string;
  leadsGroup?: string;
  /** How long a membership or guest lookup is trusted; at most 60 s, so a removal takes effect within a minute. */
  ttlMs?: number;
  logger: Logger;
  /** Each person's pace of state changes (claim, release, reassign, escalate, resolve, close). */
  pace?: PaceRule;
}

const STATE_CHANGES = new Set<TeamAction>(['claim', 'release', 'reassign', 'escalate', 'resolve', 'close']);

/** What someone asks to do. `other` is a release or reassign of someone else's mention. */
export type TeamAction = 'claim' | 'escalate' | 'resolve' | 'close' | 'reply' | 'release' | 'reassign' | 'export' | 'home';

export type Verdict = { ok: true; isLead: boolean } | { ok: false; message: string };

const MAX_TTL_MS = 60_000;

const WHAT: Record<TeamAction, string> = {
  claim: 'claim customer posts',
  escalate: 'escalate customer posts',
  resolve: 'resolve customer posts',
  close: 'close customer posts',
  reply: 'reply as the brand',
  release: 'release customer posts',
  reassign: 'reassign customer posts',
  export: 'export customer posts',
  home: 'see the queue',
};

/**
 * Who may act on customers' posts: the team is SLACK_RESPONDERS_GROUP (or, without one, the triage
 * channel's members) plus SLACK_LEADS_GROUP; workspace guests never count. Every action, view
 * submission, the export and the Home tab ask `check` after their ack. Lookups are cached for
 * at most a minute (usergroups.users.list is tier 2, about 20 calls a minute) and refreshed in
 * the background while the old answer is still fresh, so a click rarely waits for Slack.
 */
export class Permissions {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly ttlMs: number;

  constructor(private readonly deps: PermissionsDeps) {
    this.ttlMs = Math.min(deps.ttlMs ?? MAX_TTL_MS, MAX_TTL_MS);
  }

  /** The one check. A lookup that fails refuses (and says so): nobody acts on a guess. */
  async check(userId: string, action: TeamAction): Promise<Verdict> {
    try {
      if (!(await this.isTeamMember(userId))) return { ok: false, message: this.refusal(action) };
      if (STATE_CHANGES.has(action)) {
        const wait = this.pace(userId);
        if (wait > 0) {
          return {
            ok: false,
            message: `:hourglass_flowing_sand: You have changed a lot of mentions in a short while; earshot paces each person so cards for new mentions keep arriving. Nothing was changed: try again in ${Math.ceil(wait / 1000)} s.`,
          };
        }
      }
      return { ok: true, isLead: await this.isLead(userId) };
    } catch {
      return { ok: false, message: ':warning: earshot could not check who is on the social team just now, so nothing was changed. Please try again in a moment.' };
    }
  }

  private readonly buckets = new Map<string, Bucket>();

  /** Takes one of the person's state-change tokens; how long to wait (0: go ahead). Per process. */
  private pace(userId: string): number {
    const now = Date.now();
    const rule = this.deps.pace ?? STATE_CHANGE_PACE;
    const r = takeToken(this.buckets.get(userId), now, rule);
    this.buckets.set(userId, r.bucket);
    if (this.buckets.size > 10_000) this.buckets.clear();
    return r.ok ? 0 : r.retryInMs;
  }

  /** May `userId` take a mention over? Only team members who are not guests. */
  async isTeamMember(userId: string): Promise<boolean> {
    // Outsiders are answered from the cached memberships alone; users.info only for members.
    return (await this.inTeam(userId)) && !(await this.isGuest(userId));
  }

  /** Leads may release or reassign anyone's mention; without a leads group, everyone in the team may. */
  async isLead(userId: string): Promise<boolean> {
    if (!this.deps.leadsGroup) return true;
    return (await this.members(`group:${this.deps.leadsGroup}`)).has(userId);
  }

  /** Who replies as the brand, in words, for refusals. */
  describeResponders(): string {
    return this.deps.respondersGroup ? `members of <!subteam^${this.deps.respondersGroup}>` : `members of <#${this.deps.triageChannel}>`;
  }

  /** Who can let someone in: the leads, or whoever runs the group or channel. */
  whoToAsk(): string {
    if (this.deps.leadsGroup) return `<!subteam^${this.deps.leadsGroup}>`;
    return this.deps.respondersGroup ? `whoever manages <!subteam^${this.deps.respondersGroup}>` : `a member of <#${this.deps.triageChannel}>`;
  }

  /** Everyone who counts as the team, in words. */
  describeTeam(): string {
    return `${this.describeResponders()}${this.deps.leadsGroup ? ` and of <!subteam^${this.deps.leadsGroup}>` : ''}`;
  }

  refusal(action: TeamAction): string {
    const join = `To join the social team, please ask ${this.whoToAsk()}.`;
    if (action === 'export') return `:lock: The export holds customers’ posts, so it is for ${this.describeResponders()} and leads. ${join}`;
    return `:lock: Only ${this.describeTeam()} may ${WHAT[action]} in earshot, so nothing was changed. ${join}`;
  }

  /** Loads the memberships ahead of the first click. */
  warm(): void {
    void this.inTeam('-').catch(() => undefined);
    if (this.deps.leadsGroup) void this.isLead('-').catch(() => undefined);
  }

  private async inTeam(userId: string): Promise<boolean> {
    const base = this.deps.respondersGroup ? `group:${this.deps.respondersGroup}` : `channel:${this.deps.triageChannel}`;
    if ((await this.members(base)).has(userId)) return true;
    return this.deps.leadsGroup ? (await this.members(`group:${this.deps.leadsGroup}`)).has(userId) : false;
  }

  private async isGuest(userId: string): Promise<boolean> {
    return this.cached(`user:${userId}`, async () => {
      const r = await this.deps.client.users.info({ user: userId }).catch((err: unknown) => {
        // Someone Slack does not know (a forged id) is no more the team than a guest.
        if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return { user: { deleted: true } };
        throw err;
      });
      const u = r.user as { is_restricted?: boolean; is_ultra_restricted?: boolean; deleted?: boolean } | undefined;
      return Boolean(u?.is_restricted || u?.is_ultra_restricted || u?.deleted);
    });
  }

  private members(key: string): Promise<Set<string>> {
    return this.cached(key, () => this.load(key));
  }

  /**
   * A cached answer younger than the TTL is used as it is; past half the TTL a refresh starts in
   * the background. A failed lookup is not cached: the next click asks again.
   */
  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) {
      if (now - hit.at > this.ttlMs / 2 && !this.refreshing.has(key)) this.refresh(key, load);
      return hit.value as Promise<T>;
    }
    const value = withRetries(load);
    this.cache.set(key, { at: now, value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  private readonly refreshing = new Set<string>();

  private refresh<T>(key: string, load: () => Promise<T>): void {
    this.refreshing.add(key);
    const at = Date.now();
    load()
      .then((v) => this.cache.set(key, { at, value: Promise.resolve(v) }))
      .catch(() => undefined)
      .finally(() => this.refreshing.delete(key));
  }

  private async load(key: string): Promise<Set<string>> {
    const { client, logger } = this.deps;
    const [kind, id] = key.split(':') as [string, string];
    try {
      if (kind === 'group') {
        const r = await client.usergroups.users.list({ usergroup: id });
        return new Set(r.users ?? []);
      }
      const out = new Set<string>();
      let cursor: string | undefined;
      do {
        const r = await client.conversations.members({ channel: id, limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const u of r.members ?? []) out.add(u);
        cursor = r.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return out;
    } catch (err) {
      logger.warn({ key, err: (err as Error).message }, 'could not load members to check permissions');
      throw err;
    }
  }
}

/**
 * A lookup that failed is asked again a few times (0.2, 0.4, 0.8 s) before the click is refused:
 * the check runs after the ack, and a Slack hiccup (a 500, a 429) should not turn a team member
 * away. A refusal still follows when Slack keeps failing.
 */
async function withRetries<T>(load: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await load();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}
