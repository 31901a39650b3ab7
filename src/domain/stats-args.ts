/**
 * `/social-stats [today|24h|7d|30d|90d] [@user|me]` and `/social-stats export [period] [@user|me]`,
 * parsed into what to compute. Pure: no Slack, no SQL.
 *
 * The manifest sets `should_escape: true`, so Slack sends a person picked from the autocomplete as
 * `<@U123|name>` (or `<@U123>`). A plain `@name` is what arrives when someone types a name Slack
 * did not turn into a mention (or when escaping is off): it cannot be resolved without reading the
 * whole user directory, so the command asks for a proper @-mention instead.
 */
export const PERIODS = ['today', '24h', '7d', '30d', '90d'] as const;
export type PeriodName = (typeof PERIODS)[number];

/** Without a period: a week is long enough to smooth out a quiet day, short enough to act on. */
export const DEFAULT_PERIOD: PeriodName = '7d';
/** `export` alone: a month, the usual spreadsheet span. */
export const DEFAULT_EXPORT_PERIOD: PeriodName = '30d';

export type Who = { kind: 'team' } | { kind: 'me' } | { kind: 'user'; id: string };

export type StatsCommand =
  | { kind: 'stats'; period: PeriodName; who: Who }
  | { kind: 'export'; period: PeriodName; who: Who }
  | { kind: 'help' }
  /** `problem` is plain text the person typed, not yet escaped for mrkdwn. */
  | { kind: 'invalid'; problem: string };

export const USAGE = [
  '`/social-stats` the team’s numbers for the last 7 days',
  '`/social-stats today|24h|7d|30d|90d` another period',
  '`/social-stats 30d @someone` or `/social-stats me` one person',
  '`/social-stats export 30d` a CSV of every mention of the period, sent to you as a direct message',
].join('\n');

const PERIOD_ALIASES: Record<string, PeriodName> = {
  today: 'today',
  '24h': '24h',
  '1d': '24h',
  day: '24h',
  '7d': '7d',
  week: '7d',
  '30d': '30d',
  month: '30d',
  '90d': '90d',
  quarter: '90d',
};

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const PLAIN_NAME = /^@[\w.\-']+$/u;

export function parseStatsArgs(text: string): StatsCommand {
  // Slack may send entities when escaping is on; a mention never contains spaces.
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  let isExport = false;
  let period: PeriodName | undefined;
  let who: Who | undefined;

  for (const [i, token] of tokens.entries()) {
    const lower = token.toLowerCase();
    if (lower === 'help' || lower === '?') return { kind: 'help' };
    if (lower === 'export' || lower === 'csv') {
      if (i !== 0) return invalid(`put “export” first, e.g. /social-stats export 30d`);
      isExport = true;
      continue;
    }
    const p = PERIOD_ALIASES[lower];
    if (p) {
      if (period !== undefined) return invalid(`give one period, not “${period}” and “${token}”`);
      period = p;
      continue;
    }
    const w = parseWho(token);
    if (w === 'plain') {
      return invalid(`I can’t tell who “${token}” is. Pick the person from Slack’s list as you type @ so it becomes a mention, or use “me”`);
    }
    if (w) {
      if (who !== undefined) return invalid('give one person at a time');
      who = w;
      continue;
    }
    return invalid(`I don’t know “${token}”`);
  }

  if (isExport) return { kind: 'export', period: period ?? DEFAULT_EXPORT_PERIOD, who: who ?? { kind: 'team' } };
  return { kind: 'stats', period: period ?? DEFAULT_PERIOD, who: who ?? { kind: 'team' } };
}

function parseWho(token: string): Who | 'plain' | undefined {
  if (token.toLowerCase() === 'me') return { kind: 'me' };
  // `&lt;@U1&gt;`: the same mention with escaping applied to the whole text.
  const decoded = token.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const m = MENTION.exec(decoded);
  if (m?.[1]) return { kind: 'user', id: m[1] };
  if (PLAIN_NAME.test(decoded)) return 'plain';
  return undefined;
}

function invalid(problem: string): StatsCommand {
  return { kind: 'invalid', problem };
}

/** The Slack user id a `Who` names, given who asked; undefined for the whole team. */
export function userIdOf(who: Who, askedBy: string): string | undefined {
  switch (who.kind) {
    case 'team':
      return undefined;
    case 'me':
      return askedBy;
    case 'user':
      return who.id;
  }
}
