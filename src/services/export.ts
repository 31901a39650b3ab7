import type { Executor } from '../db/database.js';
import { EXPORT_COLUMNS, exportPage } from '../db/export.js';

/**
 * `/social-stats export 30d`: one CSV row per mention received in the period (or owned by one
 * person), sent to the person who asked as a file in their direct message with the bot.
 * Rows are read in keyset pages, so memory stays flat and no long transaction is held.
 */

export { EXPORT_COLUMNS };

/** A spreadsheet export is for people, not backups: past this the file says it was cut. */
export const EXPORT_MAX_ROWS = 200_000;
/** And past this many bytes: the file is built in memory for the upload, so its size is bounded too. */
export const EXPORT_MAX_BYTES = 50 * 1024 * 1024;
const PAGE = 5_000;

type Cell = string | number | boolean | Date | null;

export interface CsvExport {
  csv: Buffer;
  rows: number;
  truncated: boolean;
  /** Which cap cut the file, if one did. */
  cut: 'rows' | 'bytes' | null;
}

export async function mentionsCsv(
  db: Executor,
  q: { from: Date; to: Date; userId?: string; now: Date; maxRows?: number; maxBytes?: number },
): Promise<CsvExport> {
  const max = q.maxRows ?? EXPORT_MAX_ROWS;
  const maxBytes = q.maxBytes ?? EXPORT_MAX_BYTES;
  // A BOM so spreadsheet programs read the file as UTF-8 (names and posts are rarely ASCII).
  const parts: Buffer[] = [Buffer.from('\ufeff' + EXPORT_COLUMNS.join(',') + '\r\n', 'utf8')];
  let bytes = parts[0]!.length;
  let rows = 0;
  const done = (cut: CsvExport['cut']): CsvExport => ({ csv: Buffer.concat(parts, bytes), rows, truncated: cut !== null, cut });
  let after: { posted: Date; id: number } | undefined;
  for (;;) {
    const limit = Math.min(PAGE, max - rows + 1);
    const page = await exportPage(db, { from: q.from, to: q.to, userId: q.userId, now: q.now, after, limit });
    for (const r of page) {
      if (rows === max) return done('rows');
      const line = Buffer.from(EXPORT_COLUMNS.map((c) => csvCell(r[c] as Cell, c)).join(',') + '\r\n', 'utf8');
      if (bytes + line.length > maxBytes) return done('bytes');
      parts.push(line);
      bytes += line.length;
      rows++;
    }
    const last = page.at(-1);
    if (!last || page.length < limit) break;
    after = { posted: last.posted_key as Date, id: Number(last.id) };
  }
  return done(null);
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
