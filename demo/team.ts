/**
 * The demo's team: people clicking earshot's buttons and filling in its forms through the real
 * interaction endpoint (signed POSTs to /slack/events, exactly as Slack sends them), a slash
 * command, and a webhook connector. Each helper waits until earshot has finished reacting.
 */
import type { ManualClock } from '../src/clock.js';
import type { Earshot } from '../src/earshot.js';
import type { EscalationCategory, Severity } from '../src/services/triage.js';
import { ACTION, INPUT, VIEW, type MoreChoice } from '../src/slack/ids.js';
import { signWebhook } from '../src/sources/webhook.js';
import type { FakeSocketMode } from '../test/fakes/socket-mode.js';
import type { FakeSlack } from '../test/fakes/slack-server.js';
import { blockAction, commandBody, interactionBody, slackHeaders, viewSubmission } from '../test/support/slack-requests.js';
import type { Transcript } from './transcript.js';

export interface Person {
  id: string;
  name: string;
}

export interface TeamDeps {
  earshot: Earshot;
  slack: FakeSlack;
  clock: ManualClock;
  transcript: Transcript;
  webhookSecret: string;
  /** Socket Mode: Slack's requests go over this fake's WebSocket instead of signed POSTs. */
  socket?: FakeSocketMode;
}

const BUTTON = { Claim: ACTION.claim, Reply: ACTION.reply, Escalate: ACTION.escalate } as const;
const MENU_LABEL: Record<MoreChoice, string> = { release: 'Release', reassign: 'Reassign…', resolve: 'Resolve', no_reply: 'No reply needed…' };

export class Team {
  constructor(private readonly d: TeamDeps) {}

  private get triage(): string {
    return this.d.earshot.config.slack.triageChannel;
  }

  /** Waits until earshot is quiet: listeners done, and no Slack write left that could run now. */
  async settle(timeoutMs = 20_000): Promise<void> {
    const { earshot, clock } = this.d;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await earshot.handlers.idle();
      const r = await earshot.database.db
        .selectFrom('slack_jobs as j')
        .leftJoin('mentions as m', 'm.id', 'j.mention_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('j.status', '=', 'pending')
        .where('j.run_after', '<=', clock.now())
        .where((eb) => eb.or([eb('j.kind', 'in', ['post_card', 'post_message']), eb('m.card_ts', 'is not', null)]))
        .executeTakeFirstOrThrow();
      if (Number(r.n) === 0 && earshot.queue.busy === 0 && earshot.handlers.size === 0) return;
      if (Date.now() > deadline) throw new Error(`earshot did not settle within ${timeoutMs / 1000} s: ${Number(r.n)} Slack write(s) still waiting`);
      earshot.queue.wake();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /** The card's ts for a mention (the message a button lives on). */
  async cardOf(mentionId: number): Promise<string> {
    const m = await this.d.earshot.database.db.selectFrom('mentions').select('card_ts').where('id', '=', mentionId).executeTakeFirstOrThrow();
    if (!m.card_ts) throw new Error(`mention ${mentionId} has no card yet`);
    return m.card_ts;
  }

  async click(who: Person, button: keyof typeof BUTTON, mentionId: number): Promise<void> {
    this.d.transcript.act(who.name, `clicks ${button} on card #${mentionId}`);
    await this.interact(blockAction({ user: who.id, actionId: BUTTON[button], value: String(mentionId), channel: this.triage, messageTs: await this.cardOf(mentionId) }));
    await this.settle();
  }

  async menu(who: Person, choice: MoreChoice, mentionId: number): Promise<void> {
    this.d.transcript.act(who.name, `picks ⋯ → ${MENU_LABEL[choice]} on card #${mentionId}`);
    const selectedOption = `${choice}:${mentionId}`;
    await this.interact(blockAction({ user: who.id, type: 'overflow', actionId: ACTION.more, selectedOption, channel: this.triage, messageTs: await this.cardOf(mentionId) }));
    await this.settle();
  }

  /** Reply button, then the form: public or private, with a link when it was sent elsewhere. */
  async reply(who: Person, mentionId: number, text: string, opts: { mode?: 'public' | 'dm'; link?: string } = {}): Promise<void> {
    const opened = await this.opening(() => this.click(who, 'Reply', mentionId));
    const mode = opts.mode ?? 'public';
    this.d.transcript.act(who.name, `sends a ${mode === 'dm' ? 'private' : 'public'} reply${opts.link ? ' (posted on the network, link pasted)' : ''}`);
    const values: Record<string, Record<string, Record<string, unknown>>> = {
      [textBlock(opened)]: { [INPUT.replyText.action]: { type: 'plain_text_input', value: text } },
      [INPUT.replyMode.block]: { [INPUT.replyMode.action]: { type: 'radio_buttons', selected_option: { value: mode } } },
    };
    if (opts.link) values[INPUT.replyLink.block] = { [INPUT.replyLink.action]: { type: 'plain_text_input', value: opts.link } };
    await this.submit(who, VIEW.reply, opened, values);
  }

  async escalate(who: Person, mentionId: number, e: { reason: string; severity: Severity; category: EscalationCategory }): Promise<void> {
    const opened = await this.opening(() => this.click(who, 'Escalate', mentionId));
    this.d.transcript.act(who.name, `escalates it: ${e.category} problem, ${e.severity} severity`);
    await this.submit(who, VIEW.escalate, opened, {
      [INPUT.escalateReason.block]: { [INPUT.escalateReason.action]: { type: 'plain_text_input', value: e.reason } },
      [INPUT.escalateSeverity.block]: { [INPUT.escalateSeverity.action]: { type: 'static_select', selected_option: { value: e.severity } } },
      [INPUT.escalateCategory.block]: { [INPUT.escalateCategory.action]: { type: 'radio_buttons', selected_option: { value: e.category } } },
    });
  }

  async closeWithoutReply(who: Person, mentionId: number, kind: 'spam' | 'no_reply_needed', reason: string): Promise<void> {
    const opened = await this.opening(() => this.menu(who, 'no_reply', mentionId));
    this.d.transcript.act(who.name, `closes it as ${kind === 'spam' ? 'spam' : 'no reply needed'}: “${reason}”`);
    await this.submit(who, VIEW.close, opened, {
      [INPUT.closeKind.block]: { [INPUT.closeKind.action]: { type: 'radio_buttons', selected_option: { value: kind } } },
      [INPUT.closeReason.block]: { [INPUT.closeReason.action]: { type: 'plain_text_input', value: reason } },
    });
  }

  /** A slash command; returns the answer earshot sent to the response URL. */
  async command(who: Person, command: string, text: string): Promise<{ text?: string; blocks?: unknown[] }> {
    this.d.transcript.act(who.name, `types ${command} ${text}`.trimEnd());
    const id = `demo-${Date.now().toString(36)}`;
    const body = commandBody({ user: who.id, text, command, channel: this.triage, responseUrl: this.d.slack.responseUrl(id) });
    await this.post(body);
    await this.settle();
    await this.d.slack.waitFor(() => this.d.slack.responses(id).length > 0, 15_000, `${command} answer`);
    return this.d.slack.responses(id).at(-1) as { text?: string; blocks?: unknown[] };
  }

  /** Opens earshot's Home tab in Slack (an app_home_opened event, as the Events API sends it). */
  async openHome(who: Person): Promise<void> {
    this.d.transcript.act(who.name, 'opens earshot’s Home tab');
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'T0FAKE',
      api_app_id: 'A0FAKE',
      type: 'event_callback',
      event_id: `Ev${Date.now().toString(36).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: who.id, channel: `D${who.id.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
    });
    await this.post(body, 'application/json');
    await this.settle();
  }

  /** A connector posting to the webhook, signed with the shared secret (timestamp from earshot's clock). */
  async webhook(from: string, body: unknown): Promise<{ accepted: number; duplicates: number }> {
    const raw = JSON.stringify(body);
    const ts = Math.floor(this.d.clock.now().getTime() / 1000);
    const r = await fetch(`${this.d.earshot.url}/ingest/mentions`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-earshot-timestamp': String(ts), 'x-earshot-signature': signWebhook(this.d.webhookSecret, ts, raw) },
    });
    const json = (await r.json()) as { accepted: number; duplicates: number; error?: string };
    if (r.status !== 202) throw new Error(`the webhook answered ${r.status}: ${json.error ?? JSON.stringify(json)}`);
    this.d.transcript.act(from, `POST /ingest/mentions → 202 ${JSON.stringify(json)}`);
    await this.settle();
    return json;
  }

  // ------------------------------------------------------------------ plumbing

  /** Runs `click` and returns the modal it opened. */
  private async opening(click: () => Promise<void>): Promise<Record<string, unknown>> {
    const before = this.d.slack.views.opened.length;
    await click();
    await this.d.slack.waitFor(() => this.d.slack.views.opened.length > before, 10_000, 'a form to open');
    return this.d.slack.views.opened.at(-1) as Record<string, unknown>;
  }

  private async submit(who: Person, callbackId: string, opened: Record<string, unknown>, values: Record<string, Record<string, Record<string, unknown>>>): Promise<void> {
    const view = (opened.view ?? opened) as { private_metadata?: string };
    const r = await this.interact(viewSubmission({ user: who.id, callbackId, privateMetadata: view.private_metadata ?? '', values }));
    if (r.body && r.body.includes('"errors"')) throw new Error(`the form was refused: ${r.body}`);
    await this.settle();
  }

  private interact(payload: Record<string, unknown>): Promise<{ status: number; body: string }> {
    return this.post(interactionBody(payload));
  }

  private async post(body: string, contentType?: string): Promise<{ status: number; body: string }> {
    if (this.d.socket) return this.envelope(this.d.socket, body, contentType);
    const r = await fetch(`${this.d.earshot.url}/slack/events`, { method: 'POST', body, headers: slackHeaders(body, contentType ? { contentType } : {}) });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`/slack/events answered ${r.status}: ${text}`);
    return { status: r.status, body: text };
  }

  /**
   * The same request as a Socket Mode envelope: an event's JSON as is, an interaction's `payload`
   * field parsed, a slash command's form fields as an object (what Slack sends over the socket).
   * Resolves once earshot acked it (the fake rejects after Slack's 3 s).
   */
  private async envelope(socket: FakeSocketMode, body: string, contentType?: string): Promise<{ status: number; body: string }> {
    const form = new URLSearchParams(body);
    const sent =
      contentType === 'application/json'
        ? await socket.send('events_api', JSON.parse(body) as Record<string, unknown>)
        : form.has('payload')
          ? await socket.send('interactive', JSON.parse(form.get('payload')!) as Record<string, unknown>)
          : await socket.send('slash_commands', Object.fromEntries(form));
    return { status: 200, body: JSON.stringify(sent.ack ?? {}) };
  }
}

/** The reply box's block id (it carries a version so a saved reply can replace its text). */
function textBlock(opened: Record<string, unknown>): string {
  const view = (opened.view ?? opened) as { blocks?: Array<{ block_id?: string }> };
  return view.blocks?.find((b) => b.block_id?.startsWith(INPUT.replyText.block))?.block_id ?? INPUT.replyText.block;
}
