import type { webApi } from '@slack/bolt';
import type { Executor } from '../db/database.js';
import type { StatsWindow } from '../domain/stats-window.js';
import { duringPeriod, periodLabel } from '../domain/stats-window.js';
import { EXPORT_MAX_BYTES, mentionsCsv } from '../services/export.js';

export interface SendExportDeps {
  db: Executor;
  client: webApi.WebClient;
}

export interface SentExport {
  rows: number;
  truncated: boolean;
  channel: string;
  filename: string;
}

/** Who is having an export built right now, in this process: one at a time per person. */
const running = new Set<string>();

/**
 * Claims the asker's one export slot; undefined while an export of theirs is still being built.
 * Call the returned function when done.
 */
export function claimExport(user: string): (() => void) | undefined {
  if (running.has(user)) return undefined;
  running.add(user);
  return () => running.delete(user);
}

/** Builds the CSV and uploads it to the asker's DM with the bot (im:write, files:write). */
export async function sendExport(deps: SendExportDeps, q: { askedBy: string; window: StatsWindow; userId?: string; now: Date }): Promise<SentExport> {
  const { csv, rows, truncated, cut: capped } = await mentionsCsv(deps.db, { from: q.window.from, to: q.window.to, userId: q.userId, now: q.now });
  const dm = await deps.client.conversations.open({ users: q.askedBy });
  const channel = dm.channel?.id;
  if (!channel) throw new Error('conversations.open returned no channel');
  const day = q.now.toISOString().slice(0, 10);
  const filename = `earshot-mentions-${q.window.period}${q.userId ? `-${q.userId}` : ''}-${day}.csv`;
  const whose = q.userId ? ` owned by <@${q.userId}>` : '';
  const cap = capped === 'bytes' ? `the ${Math.round(EXPORT_MAX_BYTES / 1024 / 1024)} MB size limit` : 'the row limit';
  const cut = truncated ? ` The file stops at the first ${rows.toLocaleString('en-US')} (${cap}); use a shorter period for the rest.` : '';
  await deps.client.filesUploadV2({
    channel_id: channel,
    file: csv,
    filename,
    title: `Mentions, ${periodLabel(q.window.period)}`,
    initial_comment: `Mentions received ${duringPeriod(q.window.period)}${whose}: ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}, one per mention.${cut}`,
  });
  return { rows, truncated, channel, filename };
}
