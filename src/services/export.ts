import type { webApi } from '@slack/bolt';
import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { SLA_STATE } from '../domain/sla.js';
import type { StatsWindow } from '../domain/stats-window.js';
import { duringPeriod, periodLabel } from '../domain/stats-window.js';

/**
 * `/social-stats export 30d`: one CSV row per mention received in the period (or owned by one
 * person), sent to the person who asked as a file in their direct message with the bot.
 * Rows are read in keyset pages, so memory stays flat and no long transaction is held.
 */

export const EXPORT_COLUMNS = [
  'id',
  'source',
  'external_id',
  'url',
  'posted_at',
  'author_handle',
  'author_name',
  'author_followers',
  'priority',
  'sentiment',
  'sentiment_score',
  'status',
  'owner',
  'claimed_at',
  'first_response_at',
  'first_response_by',
  'first_response_minutes',
  'sla_due_at',
  'sla_state',
  'escalated_at',
  'escalation_category',
  'escalation_severity',
  'closed_at',
  'close_kind',
  'close_reason',
  'text',
] as const;

/** A spreadsheet export is for people, not backups: past this the file says it was cut. */
export const EXPORT_MAX_ROWS = 200_000;
const PAGE = 5_000;
const lit = (v: string) => sql.lit(v);

type Cell = string | number | boolean | Date | null;
type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], Cell> & { posted_key: Date };

export interface CsvExport {
  csv: Buffer;
  rows: number;
  truncated: boolean;
}

export async function mentionsCsv(db: Executor, q: { from: Date; to: Date; userId?: string; now: Date; maxRows?: number }): Promise<CsvExport> {
  const max = q.maxRows ?? EXPORT_MAX_ROWS;
  // A BOM so spreadsheet programs read the file as UTF-8 (names and posts are rarely ASCII).
  const parts: string[] = ['\ufeff' + EXPORT_COLUMNS.join(',') + '\r\n'];
  let rows = 0;
  let after: { posted: Date; id: number } | undefined;
  for (;;) {
    const limit = Math.min(PAGE, max - rows + 1);
    const page = await sql<ExportRow>`
      select id, source, external_id, url, posted_at, posted_at as posted_key, author_handle, author_name, author_followers,
             priority, sentiment_label as sentiment, sentiment_score, status, owner_id as owner, claimed_at,
             first_response_at, first_response_by,
             case when first_response_at is not null then round((greatest(0, extract(epoch from (first_response_at - posted_at))) / 60)::numeric, 1) end as first_response_minutes,
             sla_due_at,
             case when first_response_at is not null then case when first_response_at <= sla_due_at then ${lit(SLA_STATE.met)} else ${lit(SLA_STATE.missed)} end
                  when closed_at is not null then ${lit(SLA_STATE.notApplicable)}
                  when sla_due_at < ${q.now} then ${lit(SLA_STATE.breached)}
                  when sla_warn_at <= ${q.now} then ${lit(SLA_STATE.atRisk)}
                  else ${lit(SLA_STATE.onTrack)} end as sla_state,
             escalated_at, escalation_category, escalation_severity, closed_at, close_kind, close_reason, text
        from mentions
       where posted_at >= ${q.from} and posted_at < ${q.to}
             ${q.userId === undefined ? sql`` : sql`and owner_id = ${q.userId}`}
             ${after ? sql`and (posted_at, id) > (${after.posted}, ${after.id})` : sql``}
       order by posted_at, id
       limit ${limit}`.execute(db);
    for (const r of page.rows) {
      if (rows === max) return { csv: Buffer.from(parts.join(''), 'utf8'), rows, truncated: true };
      parts.push(EXPORT_COLUMNS.map((c) => csvCell(r[c], c)).join(',') + '\r\n');
      rows++;
    }
    const last = page.rows.at(-1);
    if (!last || page.rows.length < limit) break;
    after = { posted: last.posted_key as Date, id: Number(last.id) };
  }
  return { csv: Buffer.from(parts.join(''), 'utf8'), rows, truncated: false };
}

const FREE_TEXT = new Set<string>(['url', 'author_handle', 'author_name', 'close_reason', 'text', 'external_id']);

/**
 * RFC 4180 quoting, and a leading apostrophe on customer text that a spreadsheet would otherwise
 * run as a formula (`=HYPERLINK(…)`, `+`, `-`, `@`): the post is someone else's words.
 */
export function csvCell(v: Cell | undefined, column: string): string {
  if (v === null || v === undefined) return '';
  let s = v instanceof Date ? v.toISOString() : String(v);
  if (FREE_TEXT.has(column) && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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

/** Builds the CSV and uploads it to the asker's DM with the bot (im:write, files:write). */
export async function sendExport(deps: SendExportDeps, q: { askedBy: string; window: StatsWindow; userId?: string; now: Date }): Promise<SentExport> {
  const { csv, rows, truncated } = await mentionsCsv(deps.db, { from: q.window.from, to: q.window.to, userId: q.userId, now: q.now });
  const dm = await deps.client.conversations.open({ users: q.askedBy });
  const channel = dm.channel?.id;
  if (!channel) throw new Error('conversations.open returned no channel');
  const day = q.now.toISOString().slice(0, 10);
  const filename = `earshot-mentions-${q.window.period}${q.userId ? `-${q.userId}` : ''}-${day}.csv`;
  const whose = q.userId ? ` owned by <@${q.userId}>` : '';
  const cut = truncated ? ` The file stops at the first ${rows.toLocaleString('en-US')}; use a shorter period for the rest.` : '';
  await deps.client.filesUploadV2({
    channel_id: channel,
    file: csv,
    filename,
    title: `Mentions, ${periodLabel(q.window.period)}`,
    initial_comment: `Mentions received ${duringPeriod(q.window.period)}${whose}: ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}, one per mention.${cut}`,
  });
  return { rows, truncated, channel, filename };
}
