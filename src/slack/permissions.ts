import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface PermissionsDeps {
  client: webApi.WebClient;
  triageChannel: string;
  respondersGroup?: string;
  leadsGroup?: string;
  ttlMs?: number;
  logger: Logger;
}

/**
 * Who may reply as the brand (SLACK_RESPONDERS_GROUP, or everyone in the triage channel) and who
 * is a lead (SLACK_LEADS_GROUP; without one, everyone may reassign). Memberships are cached
 * briefly: usergroups.users.list is a tier-2 method (about 20 calls a minute).
 */
export class Permissions {
  private readonly cache = new Map<string, { at: number; members: Promise<Set<string>> }>();

  constructor(private readonly deps: PermissionsDeps) {}

  async canReply(userId: string): Promise<boolean> {
    const key = this.deps.respondersGroup ? `group:${this.deps.respondersGroup}` : `channel:${this.deps.triageChannel}`;
    return (await this.members(key)).has(userId);
  }

  async isLead(userId: string): Promise<boolean> {
    if (!this.deps.leadsGroup) return true;
    return (await this.members(`group:${this.deps.leadsGroup}`)).has(userId);
  }

  /** Who replies as the brand, in words, for refusals. */
  describeResponders(): string {
    return this.deps.respondersGroup ? `members of <!subteam^${this.deps.respondersGroup}>` : `members of <#${this.deps.triageChannel}>`;
  }

  /** Loads the memberships ahead of the first click. */
  warm(): void {
    void this.canReply('-').catch(() => undefined);
    if (this.deps.leadsGroup) void this.isLead('-').catch(() => undefined);
  }

  private members(key: string): Promise<Set<string>> {
    const ttl = this.deps.ttlMs ?? 5 * 60_000;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ttl) return hit.members;
    const members = this.load(key);
    this.cache.set(key, { at: Date.now(), members });
    // A failed lookup is not cached: the next click asks again.
    members.catch(() => this.cache.delete(key));
    return members;
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
