import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, slackDate, truncate } from '../../domain/mrkdwn.js';
import { formatMinutes } from '../../domain/sla.js';
import { USAGE } from '../../domain/stats-args.js';
import { duringPeriod, periodLabel, previousLabel } from '../../domain/stats-window.js';
import type { PeriodFigures, ResponderFigures, StatsReport } from '../../domain/stats.js';
import type { SlackMessage } from './mention-card.js';

/**
 * The /social-stats answer (ephemeral): at most a dozen blocks, every section well under 3000
 * characters. Every figure is compared with the previous period of equal length; a period without
 * data says so in words ("no replies yet") rather than showing NaN or 0 %.
 */
export function statsMessage(r: StatsReport): SlackMessage {
  const c = r.current;
  const p = r.previous;
  const label = periodLabel(r.window.period);
  const before = previousLabel(r.window.period);
  const whose = r.userId ? `<@${r.userId}>’s mentions` : 'the team';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Social care: ${label}` } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${whose} · ${range(r)} · in brackets: ${before}` }],
    },
  ];

  if (c.received === 0 && c.due === 0) {
    const earlier = p.received > 0 ? ` (${before}: ${p.received} received)` : '';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `No mentions were received ${duringPeriod(r.window.period)}${r.userId ? ` for <@${r.userId}>` : ''}${earlier}.` } });
  } else {
    blocks.push({
      type: 'section',
      fields: [
        field('Received', String(c.received), countChange(c.received, p.received)),
        field('Answered', String(c.answered), countChange(c.answered, p.answered)),
        field('Open (no reply yet)', String(c.open), countChange(c.open, p.open)),
        field('Closed without reply', String(c.closedNoReply), countChange(c.closedNoReply, p.closedNoReply)),
        field('Median first response', duration(c.medianFirstResponseSec), durationChange(c.medianFirstResponseSec, p.medianFirstResponseSec)),
        field('p90 first response', duration(c.p90FirstResponseSec), durationChange(c.p90FirstResponseSec, p.p90FirstResponseSec)),
        field('Within target', withinTarget(c), ratioChange(c.withinTarget, p.withinTarget)),
        field('Escalated', String(c.escalated), countChange(c.escalated, p.escalated)),
        field('Customer posts', String(c.posts), countChange(c.posts, p.posts)),
        field('Next responses', nextResponses(c), durationChange(c.medianNextResponseSec, p.medianNextResponseSec)),
      ].map((text) => ({ type: 'mrkdwn' as const, text })),
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escalationLine(c) } });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sentimentLine(c, p) } });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: busiestLine(r) } });
  }

  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: openNowLine(r) } });
  blocks.push({ type: 'divider' });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: respondersText(r) } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text:
          'Received counts cases (one customer’s conversation); customer posts counts every post they wrote. ' +
          'First response = the first reply of the brand, wherever it was sent − the case’s first post; next response = the answer after the customer wrote again. Within target = answered by the deadline ÷ all whose deadline fell in the period; ' +
          'mentions closed without a reply are not counted. `/social-stats help` for options.',
      },
    ],
  });

  const text =
    c.received === 0 && c.due === 0
      ? `Social care, ${label}: no mentions received.`
      : `Social care, ${label}: ${c.received} received, ${c.answered} answered, median first response ${duration(c.medianFirstResponseSec)}, ${withinTarget(c)} within target.`;
  return { text, blocks };
}

/** Usage help, with what was wrong when there was something. */
export function statsHelpMessage(problem?: string): SlackMessage {
  const lead = problem ? `:thinking_face: ${escapeMrkdwn(truncate(problem, 500))}.\n\n` : '';
  const text = `${lead}*How to use /social-stats*\n${USAGE}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** "14 min", "2 h 5 min", "45 s"; "no replies yet" when there is nothing to measure. */
export function duration(seconds: number | null): string {
  if (seconds === null) return 'no replies yet';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return formatMinutes(seconds / 60);
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

function field(title: string, value: string, change: string): string {
  return `*${title}*\n*${value}*${change ? `  ${change}` : ''}`;
}

/** "12 · median 8 min · 83% in time", or "none" when the customers never wrote again after an answer. */
function nextResponses(f: PeriodFigures): string {
  if (f.nextResponses === 0) return 'none';
  const share = f.nextWithinTarget === null ? '' : ` · ${percent(f.nextWithinTarget)} in time`;
  return `${f.nextResponses} · median ${duration(f.medianNextResponseSec)}${share}`;
}

function withinTarget(f: PeriodFigures): string {
  return f.withinTarget === null ? 'nothing came due' : `${percent(f.withinTarget)} (${f.dueMet} of ${f.due})`;
}

/** "▲ 30% (40)", "▼ 2 (5)", "= (40)"; the previous figure in brackets. */
export function countChange(cur: number, prev: number): string {
  if (cur === prev) return `= (${prev})`;
  const arrow = cur > prev ? '▲' : '▼';
  if (prev === 0) return `${arrow} (0)`;
  return `${arrow} ${Math.round((Math.abs(cur - prev) / prev) * 100)}% (${prev})`;
}

export function durationChange(cur: number | null, prev: number | null): string {
  if (prev === null) return '(none before)';
  if (cur === null) return `(${duration(prev)})`;
  const diff = Math.round((cur - prev) / 60);
  if (diff === 0) return `= (${duration(prev)})`;
  return `${diff > 0 ? '▲' : '▼'} ${formatMinutes(Math.abs(diff))} (${duration(prev)})`;
}

export function ratioChange(cur: number | null, prev: number | null): string {
  if (prev === null) return '(none before)';
  if (cur === null) return `(${percent(prev)})`;
  const pts = Math.round(cur * 100) - Math.round(prev * 100);
  if (pts === 0) return `= (${percent(prev)})`;
  return `${pts > 0 ? '▲' : '▼'} ${Math.abs(pts)} pts (${percent(prev)})`;
}

function escalationLine(c: PeriodFigures): string {
  if (c.escalated === 0) return '*Escalations:* none';
  const e = c.escalations;
  const parts = [`isolated case ${e.isolated}`, `policy ${e.policy}`, `procedural ${e.procedural}`];
  if (e.other > 0) parts.push(`not categorised ${e.other}`);
  const rootCause = e.policy + e.procedural;
  return `*Escalations:* ${parts.join(' · ')} — ${rootCause} of ${c.escalated} point at a policy or procedure to fix`;
}

function sentimentLine(c: PeriodFigures, p: PeriodFigures): string {
  const s = c.sentiment;
  const scored = s.positive + s.neutral + s.negative;
  if (scored === 0) return '*Sentiment:* nothing scored';
  const share = (n: number) => percent(n / scored);
  const ps = p.sentiment;
  const prevScored = ps.positive + ps.neutral + ps.negative;
  const negChange = ratioChange(s.negative / scored, prevScored > 0 ? ps.negative / prevScored : null);
  const unscored = s.unscored > 0 ? ` · ${s.unscored} not scored` : '';
  return `*Sentiment:* :slightly_smiling_face: positive ${share(s.positive)} · :neutral_face: neutral ${share(s.neutral)} · :rage: negative ${share(s.negative)} ${negChange}${unscored}`;
}

function busiestLine(r: StatsReport): string {
  if (r.busiestHours.length === 0) return '*Busiest hours:* none';
  const hours = r.busiestHours.map((h) => `${hh(h.hour)}–${hh((h.hour + 1) % 24)} (${h.count})`).join(' · ');
  return `*Busiest hours* (${escapeMrkdwn(r.window.timeZone)}): ${hours}`;
}

function openNowLine(r: StatsReport): string {
  const o = r.openNow;
  const again = r.nextOverdue ? ` · ${r.nextOverdue} waiting again past the next-response deadline` : '';
  return `*Open now${r.userId ? ` for <@${r.userId}>` : ''}:* ${o.waiting} waiting for a first reply · :warning: ${o.atRisk} at risk · :rotating_light: ${o.overdue} overdue${again}`;
}

const MAX_SECTION = 2900;

function respondersText(r: StatsReport): string {
  const head = '*By person* (claimed · replied · median first response · within target)';
  if (r.responders.length === 0) return `${head}\nNobody claimed or answered a mention ${duringPeriod(r.window.period)}.`;
  const lines: string[] = [head];
  let length = head.length;
  let shown = 0;
  for (const p of r.responders) {
    const line = responderLine(p);
    if (length + line.length + 1 > MAX_SECTION - 60) break;
    lines.push(line);
    length += line.length + 1;
    shown++;
  }
  const hidden = r.respondersTotal - shown;
  if (hidden > 0) lines.push(`…and ${hidden} more (\`/social-stats export\` has every mention)`);
  return lines.join('\n');
}

function responderLine(p: ResponderFigures): string {
  const target = p.withinTarget === null ? 'nothing came due' : `${percent(p.withinTarget)} (${p.dueMet}/${p.due})`;
  return `<@${p.userId}> · ${p.claimed} · ${p.replied} · ${p.medianFirstResponseSec === null ? '–' : duration(p.medianFirstResponseSec)} · ${target}`;
}

function range(r: StatsReport): string {
  return `${slackDate(r.window.from, '{date_short} {time}')} – ${slackDate(r.window.to, '{date_short} {time}')}`;
}

function hh(h: number): string {
  return `${String(h).padStart(2, '0')}:00`;
}
