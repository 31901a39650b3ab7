/**
 * Reads the brand's mention notifications and its own statuses (replies it posted outside
 * earshot) forward from stored ids: each request asks for the page just above the cursor
 * (`min_id`), its posts are stored, then the cursor moves to the page's newest id (Link
 * rel="prev"). A crash re-reads at most the page in flight. Runs under the leader lock.
 */
import type { IncomingMention } from '../../domain/mention.js';
import { readState, writeState } from '../../db/app-state.js';
import type { ReaderDeps } from '../polled.js';
import type { MastodonClient } from './client.js';
import { compareIds, toMention, type MastoAccount, type MastoNotification, type MastoStatus } from './normalise.js';

export const MASTODON_STATE = { brand: 'mastodon:brand', notifications: 'mastodon:cursor:notifications', statuses: 'mastodon:cursor:statuses' } as const;

export interface MastodonPollerDeps extends ReaderDeps {
  client: MastodonClient;
}

export interface MastoListOutcome {
  list: 'notifications' | 'statuses';
  pages: number;
  read: number;
  ingested: number;
  caughtUp: boolean;
  error?: string;
}

const MAX_PAGES_PER_POLL = 20;

export class MastodonPoller {
  private brand?: MastoAccount;

  constructor(private readonly d: MastodonPollerDeps) {}

  async brandAccount(): Promise<MastoAccount | undefined> {
    if (this.brand) return this.brand;
    const r = await this.d.client.request<MastoAccount>('read', 'GET', '/api/v1/accounts/verify_credentials');
    if (!r.ok) return undefined;
    const url = this.d.client.base;
    const stored = await readState<MastoAccount & { instance: string }>(this.d.db, MASTODON_STATE.brand);
    // Another account or instance: cursors of the old one mean nothing here.
    if (stored && (stored.id !== r.data.id || stored.instance !== url)) {
      await writeState(this.d.db, MASTODON_STATE.notifications, null);
      await writeState(this.d.db, MASTODON_STATE.statuses, null);
    }
    await writeState(this.d.db, MASTODON_STATE.brand, { id: r.data.id, username: r.data.username, acct: r.data.acct, instance: url });
    return (this.brand = r.data);
  }

  async pollOnce(): Promise<MastoListOutcome[]> {
    const brand = await this.brandAccount();
    if (!brand) return [];
    const out: MastoListOutcome[] = [];
    for (const list of ['notifications', 'statuses'] as const) {
      if (this.d.isStopped()) break;
      out.push(await this.drain(list, brand));
    }
    return out;
  }

  private async drain(list: 'notifications' | 'statuses', brand: MastoAccount): Promise<MastoListOutcome> {
    const { db, client, clock, logger, health } = this.d;
    const key = MASTODON_STATE[list];
    const limit = Math.min(list === 'notifications' ? 80 : 40, Math.max(1, this.d.pageSize ?? 40));
    const out: MastoListOutcome = { list, pages: 0, read: 0, ingested: 0, caughtUp: false };
    let cursor = (await readState<{ minId: string } | null>(db, key))?.minId;
    const since = clock.now().getTime() - (this.d.backfillHours ?? 24) * 3_600_000;
    for (let i = 0; i < MAX_PAGES_PER_POLL; i++) {
      if (this.d.isStopped()) return out;
      const query: [string, string][] = [['limit', String(limit)]];
      if (cursor) query.push(['min_id', cursor]);
      const r =
        list === 'notifications'
          ? await client.request<MastoNotification[]>('read', 'GET', '/api/v1/notifications', { query: [...query, ['types[]', 'mention']] })
          : await client.request<MastoStatus[]>('read', 'GET', `/api/v1/accounts/${encodeURIComponent(brand.id)}/statuses`, { query: [...query, ['exclude_reblogs', 'true']] });
      if (this.d.isAbandoned()) return out;
      if (!r.ok) {
        out.error = r.reason;
        if (r.kind === 'failed') logger.warn({ list, status: r.status, reason: r.reason }, 'Mastodon: read failed; will retry');
        return out;
      }
      out.pages++;
      health.read(clock.now());
      const items = r.data as (MastoNotification | MastoStatus)[];
      out.read += items.length;
      const mentions: IncomingMention[] = [];
      for (const item of items) {
        const status = list === 'notifications' ? (item as MastoNotification).status : (item as MastoStatus);
        if (!status || (list === 'notifications' && (item as MastoNotification).type !== 'mention')) continue;
        if (list === 'statuses' && (!status.in_reply_to_id || status.reblog)) continue;
        // The very first read starts from the newest page: keep only the backfill window of it.
        if (!cursor && Date.parse(status.created_at) < since) continue;
        mentions.push(toMention(status, list === 'statuses' ? 'outbound' : 'inbound'));
      }
      if (mentions.length > 0) out.ingested += (await this.d.ingest(mentions)).accepted;
      const newest = items.map((x) => x.id).sort(compareIds).at(-1);
      const first = !cursor;
      // An account with nothing yet: everything it will ever get is above id 0.
      const next = r.data.length === 0 ? (cursor ?? '0') : (r.link.prev ?? newest ?? cursor ?? '0');
      if (next !== cursor) await writeState(db, key, { minId: (cursor = next) });
      if (first || items.length < limit) {
        out.caughtUp = true;
        break;
      }
    }
    return out;
  }
}
