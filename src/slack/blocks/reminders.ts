import type { MentionRow } from '../../db/schema.js';
import type { DueReminder, ReminderAudience } from '../../domain/reminders.js';
import { ago, displayHandle, escapeAndTruncate, escapeMrkdwn, slackDate } from '../../domain/mrkdwn.js';
import { formatMinutes } from '../../domain/sla.js';
import { sourceName } from './mention-card.js';

export type { ReminderAudience };

export type ReminderMention = Pick<MentionRow, 'id' | 'source' | 'author_handle' | 'status' | 'owner_id' | 'escalated_by' | 'escalated_at' | 'first_response_at' | 'posted_at'>;

export interface ReminderContext {
  now: Date;
  dueAt: Date;
  audience: ReminderAudience;
  /** The owner whose claim was freed at the deadline (SLA_RELEASE_ON_BREACH). */
  releasedOwner?: string | null;
  /** Set for a next-response wait: since when the customer, who wrote again after an answer, has waited. */
  nextWaitSince?: Date | null;
}

/**
 * The thread reply for one reminder. Who is pinged:
 * - warning: the owner, or (unclaimed) the responders group / `@here` / nobody (SLA_WARN_MENTION);
 * - overdue (also broadcast to the channel): the owner and the leads group; nobody of those → as the warning;
 * - repeat: the owner, or as the warning (the leads heard at the deadline);
 * - follow-up: the owner, else whoever escalated, else as the warning.
 * Customer-supplied text (the handle) is escaped; the top-level text is the whole message.
 */
export function reminderMessage(reminder: DueReminder, m: ReminderMention, ctx: ReminderContext): { text: string } {
  const who = `@${escapeAndTruncate(displayHandle(m.author_handle), 100)} on ${escapeMrkdwn(sourceName(m.source))}`;
  const due = slackDate(ctx.dueAt);
  const waited = formatMinutes(minutesBetween(ctx.nextWaitSince ?? m.posted_at, ctx.now));
  const forWhat = ctx.nextWaitSince ? 'for the next reply since writing again' : 'for a first reply';
  switch (reminder.kind) {
    case 'warning': {
      const left = formatMinutes(Math.max(1, Math.ceil((ctx.dueAt.getTime() - ctx.now.getTime()) / 60_000)));
      const ping = pings(m.owner_id ? [user(m.owner_id)] : [], ctx.audience);
      return { text: `${ping}:hourglass_flowing_sand: *${left} left* to answer ${who} (due ${due}).${m.owner_id ? '' : ' Nobody has claimed it yet.'}` };
    }
    case 'overdue': {
      const owner = ctx.releasedOwner ?? m.owner_id;
      const ping = pings([owner ? user(owner) : null, leads(ctx.audience)], ctx.audience);
      const released = ctx.releasedOwner ? ` The claim of <@${ctx.releasedOwner}> was released so anyone can take it.` : '';
      return { text: `${ping}:rotating_light: *Overdue:* ${who} has waited ${waited} ${forWhat} (due ${due}).${released}` };
    }
    case 'repeat': {
      const late = formatMinutes(minutesBetween(ctx.dueAt, ctx.now));
      const ping = pings(m.owner_id ? [user(m.owner_id)] : [], ctx.audience);
      return { text: `${ping}:rotating_light: *Still unanswered:* ${who} has waited ${waited}, ${late} past the deadline.` };
    }
    case 'follow_up': {
      const escalatedLast = m.escalated_at !== null && (m.first_response_at === null || m.escalated_at >= m.first_response_at);
      const since = escalatedLast ? m.escalated_at : m.first_response_at;
      const what = escalatedLast ? 'was escalated' : 'was answered';
      const target = m.owner_id ?? (escalatedLast ? m.escalated_by : null);
      const ping = pings(target ? [user(target)] : [], ctx.audience);
      const ask = m.status === 'replied' ? 'let them know where things stand, or resolve it if it is done' : 'let them know where things stand';
      return { text: `${ping}:bell: *Follow-up:* the mention from ${who} ${what} ${since ? ago(since, ctx.now) : 'a while ago'} and is still open; ${ask}.` };
    }
  }
}

function user(id: string): string {
  return `<@${id}>`;
}

function leads(a: ReminderAudience): string | null {
  return a.leadsGroup ? `<!subteam^${a.leadsGroup}>` : null;
}

/** The given pings, or when there are none, whoever SLA_WARN_MENTION names; "" or "… " (trailing space). */
function pings(targets: Array<string | null>, a: ReminderAudience): string {
  const named = targets.filter((t): t is string => t !== null);
  const list = named.length > 0 ? named : [warnTarget(a)].filter((t): t is string => t !== null);
  return list.length > 0 ? `${list.join(' ')} ` : '';
}

function warnTarget(a: ReminderAudience): string | null {
  switch (a.warnMention) {
    case 'responders':
      return a.respondersGroup ? `<!subteam^${a.respondersGroup}>` : '<!here>';
    case 'here':
      return '<!here>';
    case 'none':
      return null;
  }
}

function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
}
