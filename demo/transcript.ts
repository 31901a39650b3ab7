// Over 300 lines: one reason to change, how the transcript reads; one renderer per kind of Slack
// call (cards, updates, thread lines, modals, ephemerals, stats) beside the others.
/**
 * A readable transcript of what earshot did in Slack, built from the fake Slack's recorded calls:
 * new cards, card updates (only the lines that changed), thread lines, reminders, ephemeral
 * answers, modals, escalations and the /social-stats answer. Colours only on a terminal, never
 * with NO_COLOR or --quiet; in quiet mode only `always()` lines are printed.
 */
import type { RecordedCall } from '../test/fakes/slack-server.js';

export interface TranscriptOptions {
  out: NodeJS.WritableStream;
  color: boolean;
  quiet: boolean;
  /** Slack ids → what people see. */
  channels: Record<string, string>;
  users: Record<string, string>;
  groups: Record<string, string>;
  /** Methods that are plumbing, not conversation (auth.test, conversations.members…). */
  ignore?: string[];
}

type Style = 'bold' | 'dim' | 'italic' | 'underline' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';
const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  underline: [4, 24],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

const EMOJI: Record<string, string> = {
  raising_hand: '🙋',
  speech_balloon: '💬',
  arrow_double_up: '⏫',
  white_check_mark: '✅',
  no_entry_sign: '🚫',
  rotating_light: '🚨',
  warning: '⚠️ ',
  stopwatch: '⏱️ ',
  hourglass_flowing_sand: '⏳',
  bell: '🔔',
  new: '🆕',
  red_circle: '🔴',
  large_yellow_circle: '🟡',
  white_circle: '⚪',
  slightly_smiling_face: '🙂',
  neutral_face: '😐',
  rage: '😠',
  leftwards_arrow_with_hook: '↩️ ',
  busts_in_silhouette: '👥',
  heavy_minus_sign: '➖',
  x: '❌',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  page_facing_up: '📄',
  trophy: '🏆',
  clock3: '🕒',
  inbox_tray: '📥',
  outbox_tray: '📤',
  mag: '🔍',
  bust_in_silhouette: '👤',
  memo: '📝',
  envelope: '✉️ ',
  lock: '🔒',
  fire: '🔥',
  tada: '🎉',
  sparkles: '✨',
  eyes: '👀',
};

const DEFAULT_IGNORE = [
  'auth.test',
  'conversations.members',
  'conversations.history',
  'conversations.replies',
  'usergroups.users.list',
  'chat.getPermalink',
  'users.info',
  'conversations.open',
  'files.getUploadURLExternal',
  'upload_url',
  'apps.connections.open',
];

export class Transcript {
  private readonly ignore: Set<string>;
  /** Card ts → mention id, and the lines last shown for it (updates print what changed). */
  private readonly cards = new Map<string, { id: number; lines: Line[] }>();

  constructor(private readonly o: TranscriptOptions) {
    this.ignore = new Set(o.ignore ?? DEFAULT_IGNORE);
  }

  // ------------------------------------------------------------------ narration

  /** A scene heading: the clock and what happens next. */
  scene(time: Date, title: string): void {
    this.print('');
    this.print(`${this.c('cyan', this.c('bold', hhmm(time)))}  ${this.c('bold', title)}`);
  }

  /** Someone does something (clicks a button, types a command). */
  act(who: string, what: string): void {
    this.print(`       ${this.c('magenta', '▶')} ${this.c('bold', who)} ${what}`);
  }

  note(text: string): void {
    this.print(`       ${this.c('gray', text)}`);
  }

  /** Printed even with --quiet. */
  always(text = ''): void {
    this.o.out.write(`${text}\n`);
  }

  /** Outside Slack: what earshot posted on X (the fake X server). */
  onX(what: { kind: 'reply' | 'dm'; to: string; text: string }): void {
    const label = what.kind === 'dm' ? `X direct message to @${what.to}` : `X reply to @${what.to}`;
    this.print(`       ${this.c('blue', '𝕏')} ${this.c('blue', label)}: ${what.text}`);
  }

  // ------------------------------------------------------------------ Slack calls

  onCall(call: RecordedCall): void {
    if (this.ignore.has(call.method)) return;
    const a = call.args;
    if (!call.ok) {
      this.print(`       ${this.c('red', `✗ Slack refused ${call.method}: ${call.error ?? `HTTP ${call.status}`}`)}`);
      return;
    }
    switch (call.method) {
      case 'chat.postMessage':
        return this.posted(a, call.response);
      case 'chat.update':
        return this.updated(a);
      case 'chat.postEphemeral':
        return this.print(`       ${this.c('gray', `(only ${this.user(String(a.user))} sees)`)} ${this.inline(str(a.text))}`);
      case 'views.open':
      case 'views.push': {
        const view = (a.view ?? {}) as { title?: { text?: string } };
        return this.print(`       ${this.c('gray', `[the “${view.title?.text ?? 'form'}” form opens]`)}`);
      }
      case 'views.update':
        return;
      case 'views.publish': {
        this.print(`       ${this.c('gray', `[the Home tab of ${this.user(String(a.user_id))}]`)}`);
        const view = (a.view ?? {}) as { blocks?: unknown[] };
        for (const l of this.blockLines(view.blocks, '')) this.print(`       ${this.c('blue', '│')} ${l.text}`);
        return;
      }
      case 'response_url':
        return this.response(a);
      case 'files.completeUploadExternal':
        return this.print(`       ${this.c('gray', '[a file was uploaded]')}`);
      default:
        return this.print(`       ${this.c('gray', `[${call.method}]`)}`);
    }
  }

  private posted(a: Record<string, unknown>, answer: Record<string, unknown> | undefined): void {
    const channel = String(a.channel);
    const threadTs = typeof a.thread_ts === 'string' ? a.thread_ts : undefined;
    if (threadTs) {
      const card = this.cards.get(threadTs);
      const where = card ? `thread of card #${card.id}` : 'thread';
      const broadcast = a.reply_broadcast === true || a.reply_broadcast === 'true' ? this.c('yellow', ' (also sent to the channel)') : '';
      this.print(`       ${this.c('gray', '↳')} ${this.c('gray', where)}${broadcast}: ${this.inline(str(a.text))}`);
      return;
    }
    const lines = this.blockLines(a.blocks, str(a.text));
    const mentionId = (a.metadata as { event_payload?: { mention_id?: number } } | undefined)?.event_payload?.mention_id;
    if (mentionId && lines.some((l) => l.buttons)) {
      if (typeof answer?.ts === 'string') this.cards.set(answer.ts, { id: mentionId, lines });
      this.print(`       ${this.c('green', this.c('bold', `┌ new card #${mentionId}`))} ${this.c('gray', `in ${this.channel(channel)}`)}`);
      lines.forEach((l, i) => this.print(`       ${this.c('green', i === lines.length - 1 ? '└' : '│')} ${l.text}`));
      return;
    }
    this.print(`       ${this.c('yellow', this.c('bold', this.channel(channel)))}:`);
    for (const l of lines) this.print(`         ${l.text}`);
  }

  private updated(a: Record<string, unknown>): void {
    const card = this.cards.get(String(a.ts));
    const lines = this.blockLines(a.blocks, str(a.text));
    if (!card) {
      this.print(`       ${this.c('gray', '↻ a message was updated')}`);
      return;
    }
    const before = new Set(card.lines.map((l) => l.text));
    const changed = lines.filter((l) => !l.buttons && !before.has(l.text)).map((l) => l.text);
    const hadButtons = card.lines.some((l) => l.buttons);
    const hasButtons = lines.some((l) => l.buttons);
    card.lines = lines;
    if (changed.length === 0 && hadButtons === hasButtons) return;
    const closed = hadButtons && !hasButtons ? this.c('gray', '  (buttons removed: closed)') : '';
    this.print(`       ${this.c('cyan', `↻ card #${card.id}`)} ${changed.join(this.c('gray', ' · '))}${closed}`);
  }

  private response(a: Record<string, unknown>): void {
    this.print(`       ${this.c('gray', '(only the person who asked sees this answer)')}`);
    for (const l of this.blockLines(a.blocks, str(a.text))) this.print(`       ${this.c('green', '│')} ${l.text}`);
  }

  /** A message as plain lines (the /social-stats answer in the quiet summary). */
  render(blocks: unknown, fallback: string): string[] {
    return this.blockLines(blocks, fallback).map((l) => l.text);
  }

  // ------------------------------------------------------------------ Block Kit → text

  private blockLines(blocks: unknown, fallback: string): Line[] {
    const text = (t: string): Line[] => t.split('\n').map((l) => ({ text: l, buttons: false }));
    if (!Array.isArray(blocks) || blocks.length === 0) return text(this.inline(fallback));
    const out: Line[] = [];
    for (const b of blocks as Array<Record<string, any>>) {
      switch (b.type) {
        case 'header':
          out.push({ text: this.c('bold', String(b.text?.text ?? '')), buttons: false });
          break;
        case 'section': {
          if (b.text?.text) out.push(...text(this.inline(String(b.text.text))));
          if (Array.isArray(b.fields)) {
            const fields = (b.fields as Array<{ text?: string }>).map((f) => this.inline(String(f.text ?? '')).replace(/\n/g, ' '));
            for (let i = 0; i < fields.length; i += 2) out.push({ text: fields.slice(i, i + 2).join(this.c('gray', '   ·   ')), buttons: false });
          }
          break;
        }
        case 'context': {
          const parts = (b.elements as Array<{ text?: string }> | undefined)?.map((e) => this.inline(String(e.text ?? ''))) ?? [];
          for (const l of parts.join(' · ').split('\n')) out.push({ text: this.c('gray', l), buttons: false });
          break;
        }
        case 'actions': {
          const labels = ((b.elements as Array<{ type: string; text?: { text?: string } }> | undefined) ?? []).map((e) =>
            e.type === 'overflow' ? '[⋯]' : `[${e.text?.text ?? e.type}]`,
          );
          out.push({ text: this.c('bold', labels.join(' ')), buttons: true });
          break;
        }
        case 'divider':
          out.push({ text: this.c('gray', '───'), buttons: false });
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** Slack mrkdwn → terminal text: people and groups by name, dates in local time, links, bold, emoji. */
  inline(mrkdwn: string): string {
    let s = mrkdwn;
    s = s.replace(/<!date\^(\d+)\^[^|>]*\|[^>]*>/g, (_m, unix: string) => hhmm(new Date(Number(unix) * 1000)));
    s = s.replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => this.c('cyan', `@${this.o.users[id] ?? id}`));
    s = s.replace(/<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => this.c('cyan', `@${this.o.groups[id] ?? id}`));
    s = s.replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, (_m, w: string) => this.c('yellow', `@${w}`));
    s = s.replace(/<#([A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => this.channel(id));
    s = s.replace(/<(https?:[^|>]+)\|([^>]+)>/g, (_m, _url: string, label: string) => this.c('underline', label));
    s = s.replace(/<(https?:[^>]+)>/g, (_m, url: string) => this.c('underline', url));
    s = s.replace(/(^|[\s(“"])\*([^*\n]+)\*(?=$|[\s).,:;!?”"])/g, (_m, pre: string, t: string) => `${pre}${this.c('bold', t)}`);
    s = s.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
    s = s
      .split('\n')
      .map((l) => (l.startsWith('&gt;') ? `${this.c('gray', '▏')}${this.c('italic', l.slice(4))}` : l.startsWith('>') ? `${this.c('gray', '▏')}${this.c('italic', l.slice(1))}` : l))
      .join('\n');
    // Entities last, so customer text that only looks like markup stays text.
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  private user(id: string): string {
    return `@${this.o.users[id] ?? id}`;
  }

  private channel(id: string): string {
    return this.o.channels[id] ?? id;
  }

  private c(style: Style, text: string): string {
    if (!this.o.color || text === '') return text;
    const [on, off] = SGR[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** Continuation lines (a quoted reply under a thread line) are indented under the first. */
  private print(line: string): void {
    if (!this.o.quiet) this.o.out.write(`${line.split('\n').join(`\n${' '.repeat(9)}`)}\n`);
  }
}

interface Line {
  text: string;
  /** A row of buttons (a card without them is closed). */
  buttons: boolean;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

export function hhmm(d: Date): string {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Colours on a terminal only; never with NO_COLOR (https://no-color.org) or in quiet mode. */
export function wantsColor(stream: NodeJS.WriteStream, quiet: boolean): boolean {
  if (quiet) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}
